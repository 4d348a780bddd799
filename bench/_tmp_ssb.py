from bench.settings import *  # noqa
DATABASES["default"]["OPTIONS"]["server_side_binding"] = True  # noqa
