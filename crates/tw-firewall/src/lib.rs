//! torchward's network layer (security statement §11, §12): the communication matrix of a
//! job, the `TW4xx` rules about it, a rule plan that lets only training peers reach the
//! training ports, and nftables / iptables backends that apply it atomically, verify it, roll
//! it back and remove it, touching nothing but torchward's own table or chains.
//!
//! Flow: [`MatrixSources`] → [`Matrix::compute`] (findings) → [`PlanInput`] → [`Plan::new`] →
//! [`nft::apply_script`] / [`iptables::plan_script`] (plan) or [`Firewall::apply`] (through an
//! [`Exec`], real or scripted) → [`State`] file → [`Firewall::remove`] / [`Firewall::status`].
#![forbid(unsafe_code)]

pub mod coexist;
pub mod exec;
pub mod firewall;
pub mod iptables;
pub mod kubernetes;
pub mod launch;
pub mod matrix;
pub mod net;
pub mod nft;
pub mod plan;
/// Port ranges (the shared `tw-ports` crate, under the name this crate always used).
pub use tw_ports as port;
mod rules;
pub mod state;
pub mod table;

pub use exec::{Cmd, Exec, ExecError, Output, SystemExec};
pub use firewall::{
    recovery_commands, ApplyError, ChainStatus, Firewall, FirewallError, FirewallStatus, NftStatus,
};
pub use kubernetes::{Egress, JobKind, PodPolicy, PodPolicyError, PodPolicyInput};
pub use launch::{parse_launch_line, LaunchLine, LaunchLineError};
pub use matrix::{Endpoint, Framework, JobShape, KernelPorts, LaunchFlags, Matrix, MatrixSources};
pub use net::{resolve_peer, Family, IpNet, Peer, PeerError};
pub use plan::{Action, Backend, CgroupError, Coverage, JobCgroup, Plan, PlanError, PlanInput};
pub use port::{PortError, PortRange};
pub use rules::RULES;
pub use state::{State, StateError};
