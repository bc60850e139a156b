"""gunicorn's access log without query strings and with tokens masked (gunicorn.conf.py: logger_class)."""
from gunicorn.glogging import Logger

from .logpaths import loggable_path


class MaskedLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        path = loggable_path(environ.get("PATH_INFO", ""))
        atoms["U"] = path
        atoms["q"] = ""
        atoms["r"] = f"{environ.get('REQUEST_METHOD', '-')} {path} {environ.get('SERVER_PROTOCOL', '-')}"
        atoms["f"] = atoms["{referer}i"] = "-"  # the referer can carry a token or a search too
        atoms["{raw_uri}e"] = atoms["{path_info}e"] = path
        atoms["{query_string}e"] = ""
        atoms.pop("{cookie}i", None)
        atoms.pop("{authorization}i", None)
        return atoms
