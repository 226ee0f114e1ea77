#!/bin/sh
# The main job (make run): pnvme-perf against a controller.
# PNVME_TRID picks one; otherwise pnvme-perf takes the first controller bound
# to vfio-pci, else the software controller (trtype:sim), and says which.
set -eu
bin=build/bin/pnvme-perf
args=${PNVME_PERF_ARGS:--q 32 -o 4096 -w randrw -M 70 -t 5 --verify}
if [ -n "${PNVME_TRID:-}" ]; then
	exec $bin -r "$PNVME_TRID" $args
fi
exec $bin $args
