//! Listening TCP sockets from the kernel's `sock_diag` netlink interface (`linux/inet_diag.h`,
//! `linux/sock_diag.h`, as `ss -ltn` asks), for the real root only. Asked for `TCP_LISTEN`
//! alone, the kernel walks only its listening hash; reading `/proc/net/tcp` walks the whole
//! established-connection hash on every `read` call, about 2.5 ms a call on a host whose hash is
//! large (most of `audit host`'s time before). Invariant: the result is what
//! [`crate::socket::parse_table`] gives for the same sockets (same table name, address, port,
//! UID and inode); when netlink is unavailable or answers anything unexpected the caller reads
//! `/proc/net/tcp` instead, so this is never the only way to the answer.
use crate::socket::Listener;
use rustix::net::netlink::{SocketAddrNetlink, SOCK_DIAG};
use rustix::net::{AddressFamily, RecvFlags, SendFlags, SocketFlags, SocketType};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `SOCK_DIAG_BY_FAMILY`: the request and each answer record.
const SOCK_DIAG_BY_FAMILY: u16 = 20;
/// `NLM_F_REQUEST | NLM_F_DUMP` (`NLM_F_ROOT | NLM_F_MATCH`).
const DUMP_REQUEST: u16 = 0x1 | 0x300;
const NLMSG_DONE: u16 = 3;
/// `TCP_LISTEN` in the kernel's `tcp_states.h`.
const TCP_LISTEN: u8 = 10;
const IPPROTO_TCP: u8 = 6;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
/// `struct nlmsghdr`.
const HEADER: usize = 16;
/// `struct inet_diag_req_v2` after the header.
const REQUEST: usize = 56;
/// `struct inet_diag_msg`.
const MESSAGE: usize = 72;

/// Every listening TCP socket of this network namespace, IPv4 then IPv6, or `None` when the
/// kernel does not answer as expected (no `sock_diag`, a seccomp filter ...).
pub(crate) fn listeners() -> Option<Vec<Listener>> {
    let mut all = dump(AF_INET, "/proc/net/tcp")?;
    all.extend(dump(AF_INET6, "/proc/net/tcp6")?);
    Some(all)
}

/// The dump request for the listening TCP sockets of `family`.
fn request(family: u8) -> [u8; HEADER + REQUEST] {
    let mut req = [0u8; HEADER + REQUEST];
    let len = u32::try_from(HEADER + REQUEST).unwrap_or(u32::MAX);
    req[0..4].copy_from_slice(&len.to_ne_bytes());
    req[4..6].copy_from_slice(&SOCK_DIAG_BY_FAMILY.to_ne_bytes());
    req[6..8].copy_from_slice(&DUMP_REQUEST.to_ne_bytes());
    req[8..12].copy_from_slice(&1u32.to_ne_bytes());
    // inet_diag_req_v2: family, protocol, ext, pad, states (a bit per state), then a zero id.
    req[HEADER] = family;
    req[HEADER + 1] = IPPROTO_TCP;
    req[HEADER + 4..HEADER + 8].copy_from_slice(&(1u32 << TCP_LISTEN).to_ne_bytes());
    req
}

fn dump(family: u8, table: &'static str) -> Option<Vec<Listener>> {
    let fd = rustix::net::socket_with(
        AddressFamily::NETLINK,
        SocketType::DGRAM,
        SocketFlags::CLOEXEC,
        Some(SOCK_DIAG),
    )
    .ok()?;
    rustix::net::sendto(
        &fd,
        &request(family),
        SendFlags::empty(),
        &SocketAddrNetlink::new(0, 0),
    )
    .ok()?;
    let mut buf = vec![0u8; 64 * 1024];
    let mut found = Vec::new();
    loop {
        let (_, received) = rustix::net::recv(&fd, &mut buf[..], RecvFlags::empty()).ok()?;
        let mut rest = buf.get(..received)?;
        if rest.is_empty() {
            return None;
        }
        while !rest.is_empty() {
            let len = usize::try_from(u32::from_ne_bytes(rest.get(0..4)?.try_into().ok()?)).ok()?;
            let kind = u16::from_ne_bytes(rest.get(4..6)?.try_into().ok()?);
            if len < HEADER || len > rest.len() {
                return None;
            }
            match kind {
                NLMSG_DONE => return Some(found),
                SOCK_DIAG_BY_FAMILY => found.push(listener(rest.get(HEADER..len)?, table)?),
                // An error answer (NLMSG_ERROR, or anything else): the caller reads /proc.
                _ => return None,
            }
            // Records are aligned to 4 bytes (NLMSG_ALIGN).
            rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
        }
    }
}

/// One `inet_diag_msg`: family, state, timer, retrans; the id (source port big-endian, 16
/// address bytes in network order); expires, queues, UID, inode.
fn listener(msg: &[u8], table: &'static str) -> Option<Listener> {
    if msg.len() < MESSAGE || msg.get(1) != Some(&TCP_LISTEN) {
        return None;
    }
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_ne_bytes(msg.get(at..at + 4)?.try_into().ok()?))
    };
    let port = u16::from_be_bytes(msg.get(4..6)?.try_into().ok()?);
    let addr = match msg.first() {
        Some(&AF_INET) => {
            let bytes: [u8; 4] = msg.get(8..12)?.try_into().ok()?;
            IpAddr::V4(Ipv4Addr::from(bytes))
        }
        Some(&AF_INET6) => {
            let bytes: [u8; 16] = msg.get(8..24)?.try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(bytes))
        }
        _ => return None,
    };
    Some(Listener {
        table,
        addr,
        port,
        uid: word(64)?,
        inode: u64::from(word(68)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Says why a test is skipped on the real stderr (the harness captures `eprintln!`).
    fn skip(reason: &str) {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "SKIP agrees_with_proc_net_tcp_on_a_socket_of_our_own: {reason}"
        );
    }

    /// A socket this test binds is reported by netlink exactly as `/proc/net/tcp` shows it.
    #[test]
    fn agrees_with_proc_net_tcp_on_a_socket_of_our_own() {
        let Ok(bound) = std::net::TcpListener::bind("127.0.0.1:0") else {
            skip("cannot bind a loopback TCP socket here");
            return;
        };
        let Ok(local) = bound.local_addr() else {
            panic!("a bound socket has an address")
        };
        let Some(found) = listeners() else {
            skip("the kernel does not answer sock_diag netlink requests here");
            return;
        };
        let ours = |l: &&Listener| l.port == local.port() && l.addr == local.ip();
        let Some(by_netlink) = found.iter().find(ours) else {
            panic!("netlink lists no socket on {local}: {found:?}")
        };
        let Ok(text) = std::fs::read_to_string("/proc/net/tcp") else {
            panic!("/proc/net/tcp is readable where netlink answers")
        };
        let Ok(table) = crate::socket::parse_table("/proc/net/tcp", &text) else {
            panic!("/proc/net/tcp parses")
        };
        let Some(by_proc) = table.iter().find(ours) else {
            panic!("/proc/net/tcp lists no socket on {local}")
        };
        assert_eq!(by_netlink, by_proc);
    }

    #[test]
    fn malformed_records_are_refused() {
        assert!(listener(&[0u8; 10], "/proc/net/tcp").is_none());
        let mut msg = [0u8; MESSAGE];
        msg[0] = AF_INET;
        msg[1] = 1; // TCP_ESTABLISHED
        assert!(listener(&msg, "/proc/net/tcp").is_none());
        msg[1] = TCP_LISTEN;
        msg[4..6].copy_from_slice(&29500u16.to_be_bytes());
        let Some(parsed) = listener(&msg, "/proc/net/tcp") else {
            panic!("a well-formed record parses")
        };
        assert!(parsed.is_wildcard());
        assert_eq!(parsed.port, 29500);
        msg[0] = 99;
        assert!(listener(&msg, "/proc/net/tcp").is_none());
    }
}
