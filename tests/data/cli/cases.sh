# The golden CLI cases: one per line, "NAME ARGS..." (paths relative to this
# directory). Sourced by regen.sh and tests/cli_golden.sh.
cases='
top_le top a-64le.prof
top_be top a-64be.prof
top_32 top a-32le.prof
top_cum top --cum a-64le.prof
top_lib top --lib a-64le.prof
top_merged top --nodecount 3 a-64le.prof b-64le.prof
top_empty top empty.prof
folded folded a-64le.prof b-64le.prof
diff diff --base-events 100 --new-events 200 a-64le.prof b-64le.prof
json json a-64le.prof
diff_split diff a-64le.prof a-64be.prof -- b-64le.prof
bad_trunc top a-64le.prof trunc.prof
bad_missing top no-such.prof
'
