//! torchward on Slurm (security statement §11 across a cluster): the node prolog resolves the
//! job's nodes ([`hostlist`]) to addresses, derives the job's ports from the site config
//! ([`config`]) and applies one nft table per job (`inet torchward_job_ID`, [`job`]), verified
//! by reading it back; the epilog removes that table; a sweep removes the tables of jobs Slurm
//! no longer runs. Every command (nft, scontrol, squeue) goes through `tw_firewall::Exec`, so
//! each sequence is tested with a scripted executor.
#![forbid(unsafe_code)]

pub mod config;
pub mod hostlist;
pub mod job;

pub use config::{ConfigError, SlurmConfig};
pub use hostlist::{expand, HostlistError};
pub use job::{JobId, SlurmError};
