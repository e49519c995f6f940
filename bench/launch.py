"""Start one command and report its wall time, peak RSS and CPU time: bench/run.py's
launcher.

Usage: python -S bench/launch.py FD COMMAND... ; writes "milliseconds maxrss_kib exit
cpu_milliseconds" to file descriptor FD. A child's ``ru_maxrss`` counts the memory of
the process it was forked from, so the bench forks every case from this small process
rather than from itself (bench/run.py holds more than a small command ever needs).
"""

import os
import sys
import time

fd, argv = int(sys.argv[1]), sys.argv[2:]
os.set_inheritable(fd, False)
began = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
_, status, usage = os.wait4(pid, 0)
elapsed = (time.perf_counter() - began) * 1000
cpu = (usage.ru_utime + usage.ru_stime) * 1000
os.write(fd, f"{elapsed} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)} {cpu}".encode())
