"""The outcome rules alone: quorum, ties, two thirds, a block, the leading option."""
from booking.domain.governance import decide, quorum_reached


def test_quorum_is_a_share_of_those_who_may_vote():
    assert quorum_reached(10, 5, 50)
    assert not quorum_reached(10, 4, 50)
    assert not quorum_reached(0, 0, 0)  # nobody may vote: no decision


def test_quorum_not_reached_gives_no_quorum_whatever_the_votes():
    assert decide("majority", "simple", 50, 10, 4, {"yes": 4}, []).outcome == "no_quorum"


def test_a_tie_is_not_a_majority():
    assert decide("majority", "simple", 0, 4, 4, {"yes": 2, "no": 2}, []).outcome == "rejected"
    assert decide("majority", "simple", 0, 4, 3, {"yes": 2, "no": 1}, []).outcome == "adopted"


def test_abstentions_count_for_the_quorum_not_for_the_majority():
    counts = {"yes": 1, "no": 0, "abstain": 5}
    assert decide("majority", "simple", 60, 10, 6, counts, []).outcome == "adopted"


def test_two_thirds_needs_two_yes_for_each_no():
    assert decide("majority", "two_thirds", 0, 9, 9, {"yes": 6, "no": 3}, []).outcome == "adopted"
    assert decide("majority", "two_thirds", 0, 9, 9, {"yes": 5, "no": 4}, []).outcome == "rejected"


def test_one_block_rejects_a_consent_decision():
    many = {"agree": 9, "abstain": 0, "disagree": 0, "block": 1}
    assert decide("consent", "no_block", 0, 10, 10, many, []).outcome == "rejected"
    assert decide("consent", "simple", 0, 10, 10, many, []).outcome == "rejected"
    calm = {"agree": 2, "abstain": 3, "disagree": 4, "block": 0}
    assert decide("consent", "no_block", 0, 10, 9, calm, []).outcome == "adopted"
    assert decide("consent", "simple", 0, 10, 9, calm, []).outcome == "rejected"


def test_the_leading_option_wins_and_a_tie_at_the_top_decides_nothing():
    won = decide("choice", "simple", 0, 5, 5, {}, [1, 3, 1])
    assert (won.outcome, won.winner) == ("adopted", 1)
    assert decide("choice", "simple", 0, 5, 4, {}, [2, 2, 0]).outcome == "rejected"
    assert decide("choice", "two_thirds", 0, 5, 5, {}, [3, 2]).outcome == "rejected"
    assert decide("score", "simple", 0, 3, 3, {}, [7, 12]).winner == 1
