//! Precision on real-looking files (`fixtures/urls/precision`, see its README): version
//! strings, XML namespace URIs, operator overload names, call-index notation and file names are
//! not reported, while the true addresses beside them are.
use crate::tw_urls_tests::common::listing;
use std::path::Path;
use tw_urls::{scan_paths, ScanOptions};

#[test]
fn look_alikes_are_not_addresses_and_true_addresses_are_kept() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/urls/precision");
    let scan = scan_paths(&[root], &ScanOptions::default()).unwrap_or_default();
    assert!(scan.errors.is_empty(), "{:?}", scan.errors);
    assert_eq!(
        listing(&scan),
        "\
CMakeLists.txt:15:7-75 url http://github.com/google/googletest/archive/refs/tags/v1.14.0.tar.gz [plain-http-download]
CMakeLists.txt:17:16-29 ip 162.159.200.1
CMakeLists.txt:18:18-25 ip 8.8.8.8
java/pom.xml:2:17-50 url http://maven.apache.org/POM/4.0.0
java/pom.xml:2:63-104 url http://www.w3.org/2001/XMLSchema-instance
java/pom.xml:3:30-63 url http://maven.apache.org/POM/4.0.0
java/pom.xml:3:64-107 url http://maven.apache.org/xsd/maven-4.0.0.xsd
java/pom.xml:11:12-60 url http://mirrors.huaweicloud.com/repository/maven/ [plain-http-download]
torchlike/comm_mode.py:19:18-36 domain mirrors.aliyun.com
torchlike/comm_mode.py:20:15-26 domain www.who.int
torchlike/comm_mode.py:21:12-35 email maintainers@pytorch.org
torchlike/comm_mode.py:22:13-29 email npu-team@163.com
"
    );
}

#[test]
fn line_hints_are_whole_words() {
    let flagged = |line: &str| {
        tw_urls::scan_text(line, tw_urls::Syntax::Script)
            .iter()
            .any(|found| found.plain_http_download)
    };
    assert!(!flagged(
        "# http://mail.python.org/pipermail/python-dev/2001-April/014068.html"
    ));
    assert!(!flagged(
        "# see http://effbot.org/zone/simple-top-down-parsing.htm (skipping)"
    ));
    assert!(flagged(
        "pip install -i http://pypi.tuna.tsinghua.edu.cn/simple torch"
    ));
    assert!(flagged(
        "curl -fsSL http://get.example-tools.net/setup | sh"
    ));
    assert!(flagged(
        "<xs:import namespace=\"x\"/> <url>http://repo1.maven.org/maven2/</url>"
    ));
}
