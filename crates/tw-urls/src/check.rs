//! Turns a scan and an optional declaration into findings: one TW500 per address occurrence
//! (declared ones pass), or with `check` a TW501 for each undeclared one (a row whose origin or
//! purpose is still the to-fill marker does not count as declared) and a TW502 for each
//! declared row whose address is gone; TW503 and TW504 wherever they apply. Findings only:
//! nothing here formats output or decides the exit code.
use crate::declaration::Declaration;
use crate::rules::{
    credentials_in_url, declared_address_gone, plain_http_download, public_address,
    undeclared_public_address,
};
use crate::scan::TreeScan;
use std::collections::HashSet;
use tw_diagnostics::Finding;

/// How findings are made.
#[derive(Debug, Clone, Copy, Default)]
pub struct CheckOptions<'a> {
    /// The declaration, if one was given.
    pub declaration: Option<&'a Declaration>,
    /// The path of the declaration file, as named by the user (TW502 locations).
    pub declaration_path: Option<&'a str>,
    /// The CI gate: undeclared addresses are TW501 (high), gone rows TW502 (low).
    pub check: bool,
}

/// Every finding for `scan` under `options`.
pub fn findings(scan: &TreeScan, options: &CheckOptions<'_>) -> Vec<Finding> {
    let index = options
        .declaration
        .map(Declaration::index)
        .unwrap_or_default();
    let mut present: HashSet<(&str, &str)> = HashSet::new();
    let mut out = Vec::new();
    for file in &scan.files {
        for found in &file.addresses {
            let address = &found.address;
            present.insert((file.file.as_str(), address.text.as_str()));
            let entry = index
                .get(&(file.file.as_str(), address.text.as_str()))
                .copied();
            let complete = entry.filter(|e| e.is_complete());
            out.push(if options.check && complete.is_none() {
                undeclared_public_address::finding(address, &file.path, &file.file, entry)
            } else {
                public_address::finding(address, &file.path, &file.file, entry)
            });
            if found.plain_http_download {
                out.push(plain_http_download::finding(address, &file.path));
            }
            if address.credentials_user.is_some() {
                out.push(credentials_in_url::finding(address, &file.path));
            }
        }
    }
    if options.check {
        if let Some(declaration) = options.declaration {
            let path = options.declaration_path.unwrap_or("");
            for entry in &declaration.entries {
                if !present.contains(&(entry.file.as_str(), entry.address.as_str())) {
                    out.push(declared_address_gone::finding(entry, path));
                }
            }
        }
    }
    out
}
