"""The web face: server-rendered pages (templates/), their styles and scripts (static/),
and YASGUI vendored under static/vendor/yasgui/ (frontend/ rebuilds it; no CDN).
"""
