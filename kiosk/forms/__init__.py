"""Form posts from the stations' pages (Flask-WTF), one module per station."""
