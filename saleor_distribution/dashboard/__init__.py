"""Serving the dashboard extension (the React app in `dashboard-extension/`).

`npm run build` there writes the static files into `build/` beside this module; the views
here only hand them out, so no Node runs with the service.
"""
