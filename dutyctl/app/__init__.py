"""The library behind the commands: options as typed in, plain results out.

Each module loads what a command needs (:mod:`dutyctl.store`), calls the pure core
(:mod:`dutyctl.core`) and returns results that :mod:`dutyctl.render` shows.
"""
