"""The web application: app factory, security, layout and shared pages."""
