//! The statement's §12 table for a computed [`Matrix`]: rows of (aspect, `PyTorch`, HCCL), and
//! pure text and Markdown renderings of them. JSON is the `Matrix` itself (serde).
use crate::matrix::{Endpoint, Framework, Matrix};
use crate::port;
use std::fmt::Write as _;

/// One row of the table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Row {
    /// The aspect (`listening port`, ...).
    pub aspect: &'static str,
    /// `PyTorch` column.
    pub pytorch: String,
    /// HCCL column.
    pub hccl: String,
}

fn listening(endpoints: &[Endpoint], framework: Framework) -> String {
    endpoints
        .iter()
        .filter(|e| e.framework == framework)
        .map(|e| {
            let ports = if e.ports.is_empty() {
                "random".to_owned()
            } else {
                port::join(&e.ports)
            };
            let extra = if e.random_ports && !e.ports.is_empty() {
                " + random store port"
            } else {
                ""
            };
            format!("{ports}{extra} ({}; from {})", e.service, e.origin)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The rows, in the statement's order.
pub fn rows(matrix: &Matrix) -> Vec<Row> {
    let row = |aspect, pytorch: &str, hccl: &str| Row {
        aspect,
        pytorch: pytorch.to_owned(),
        hccl: hccl.to_owned(),
    };
    let source_pt = matrix.pytorch_source_ports.map_or_else(
        || "chosen by the OS (ip_local_port_range unreadable)".to_owned(),
        |r| format!("chosen by the OS from ip_local_port_range {r}"),
    );
    let source_hccl = matrix.hccl_source_ports.map_or_else(
        || "HCCL_IF_BASE_PORT span overflows 65535".to_owned(),
        |r| {
            format!(
                "{r} ({} ports from HCCL_IF_BASE_PORT)",
                matrix.hccl_port_count
            )
        },
    );
    vec![
        row(
            "source/destination",
            "servers running the training process",
            "servers running the training process",
        ),
        row("source port", &source_pt, &source_hccl),
        row(
            "listening port",
            &listening(&matrix.endpoints, Framework::Pytorch),
            &listening(&matrix.endpoints, Framework::Hccl),
        ),
        row("protocol", "TCP", "TCP"),
        row("port configurable", "yes", "yes"),
        row("authentication", "none", "none"),
        row("encryption", "none", "none"),
    ]
}

/// Aligned plain text.
pub fn render_text(matrix: &Matrix) -> String {
    let rows = rows(matrix);
    let width = rows.iter().map(|r| r.aspect.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (title, column) in [
        ("PyTorch", 0),
        ("HCCL (Ascend collective communication)", 1),
    ] {
        let _ = writeln!(out, "{title}");
        for row in &rows {
            let value = if column == 0 { &row.pytorch } else { &row.hccl };
            let _ = writeln!(out, "  {:width$}  {value}", row.aspect);
        }
        out.push('\n');
    }
    let ports = matrix.training_ports();
    let _ = writeln!(
        out,
        "Ports restricted by `torchward firewall` (host side): {}",
        port::join(&ports)
    );
    if let Some(iface) = &matrix.interface_hint {
        let _ = writeln!(out, "Training interface (HCCL_SOCKET_IFNAME): {iface}");
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A Markdown table in the statement's shape.
pub fn render_markdown(matrix: &Matrix) -> String {
    let mut out =
        String::from("| | PyTorch | HCCL (Ascend collective communication) |\n|---|---|---|\n");
    for row in rows(matrix) {
        let _ = writeln!(
            out,
            "| {} | {} | {} |",
            row.aspect,
            cell(&row.pytorch),
            cell(&row.hccl)
        );
    }
    out
}
