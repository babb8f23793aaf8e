"""The toolbox pages at /toolbox: articles, their history, checklists and questions."""
