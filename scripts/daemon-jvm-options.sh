# The Spindle daemon's JVM options, sourced (POSIX sh) by ./spindle and by the launcher the
# benchmarks and the equivalence suite write (SpindleDaemon.writeLauncher): one definition.
#
# The daemon serves many small requests for a run's length: C1 alone compiles its hot paths
# with a fraction of C2's CPU, and the serial collector suits it (fewer threads). Its heap is
# capped (SPINDLE_DAEMON_HEAP, an -Xmx size): 4g fits 100 hosts that all send a maximum frame at
# once (docs/concurrency.md, "Memory"). Every host costs it file descriptors: -XX:+MaxFDLimit
# (HotSpot's default on Linux, spelled out because the daemon relies on it) raises
# RLIMIT_NOFILE's soft limit to the hard one.
daemon_jvm_options="-Xmx${SPINDLE_DAEMON_HEAP:-4g} -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+MaxFDLimit"
