"""A minimal django-oscar 4.2 shop, written for the bench (our own settings and urls):
Oscar's stock apps, templates, checkout and default strategy, DEBUG off, served by the same
gunicorn settings as Bazaar and the floor."""
