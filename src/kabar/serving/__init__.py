"""How ``kabar serve`` runs the WSGI app: request size caps, the access log, gunicorn workers.

Waitress (one process, threads) and gunicorn (``--workers N`` processes of threads, POSIX) serve
the same app behind the same caps, so what a reader or an attacker can send does not depend on
which server answers.
"""
