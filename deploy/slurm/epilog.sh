#!/bin/sh
# torchward Slurm node epilog: remove this job's firewall table and state file (a job whose
# prolog never applied one is fine).
# slurm.conf:  Epilog=/usr/local/lib/torchward/epilog.sh
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
exec "${TORCHWARD:-torchward}" slurm epilog
