"""The floor: stock Django, one view, one query, an ~800-byte template. The bench serves it
beside Bazaar under identical gunicorn settings; every Bazaar figure is a share of it."""
