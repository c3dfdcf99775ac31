#!/bin/sh
# torchward Slurm node prolog: apply and verify this job's firewall table
# (nft table inet torchward_job_$SLURM_JOB_ID). A non-zero exit makes Slurm drain the node
# and requeue the job instead of running it unprotected.
# slurm.conf:  Prolog=/usr/local/lib/torchward/prolog.sh   PrologFlags=Alloc
# Slurm runs prologs with an almost empty environment: set the tools' PATH here.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
exec "${TORCHWARD:-torchward}" slurm prolog
