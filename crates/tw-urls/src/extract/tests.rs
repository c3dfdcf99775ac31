//! Extraction cases: each line states what is found (kind and exact text) or that nothing is.
use super::extract;
use crate::address::Kind;
use crate::filetype::Syntax;

fn found(text: &str, syntax: Syntax) -> Vec<(Kind, String)> {
    extract(text, syntax)
        .into_iter()
        .map(|a| (a.kind, a.text))
        .collect()
}

fn one(text: &str, syntax: Syntax) -> (Kind, String) {
    let all = found(text, syntax);
    assert_eq!(all.len(), 1, "{text:?} gave {all:?}");
    all.into_iter().next().unwrap_or((Kind::Url, String::new()))
}

fn none(text: &str, syntax: Syntax) {
    let all = found(text, syntax);
    assert!(all.is_empty(), "{text:?} gave {all:?}");
}

#[test]
fn urls_of_host_reaching_schemes() {
    for (text, url) in [
        ("see https://pypi.org/simple.", "https://pypi.org/simple"),
        (
            "git+https://github.com/org/repo.git@v1#egg=x",
            "git+https://github.com/org/repo.git@v1#egg=x",
        ),
        (
            "ssh://git@gitee.com:22/a/b.git",
            "ssh://git@gitee.com:22/a/b.git",
        ),
        ("ftp://ftp.gnu.org/gnu/", "ftp://ftp.gnu.org/gnu/"),
        ("s3://my-bucket/models/x.pt", "s3://my-bucket/models/x.pt"),
        (
            "url='https://download.pytorch.org/whl/cpu'",
            "https://download.pytorch.org/whl/cpu",
        ),
        (
            "(https://en.wikipedia.org/wiki/Foo_(bar))",
            "https://en.wikipedia.org/wiki/Foo_(bar)",
        ),
        (
            "[docs](https://docs.python.org/3/).",
            "https://docs.python.org/3/",
        ),
        ("<https://pytorch.org>", "https://pytorch.org"),
        ("\"https://pypi.org/simple\",", "https://pypi.org/simple"),
        ("**https://pypi.org**", "https://pypi.org"),
        (
            "http://[2001:4860:4860::8888]:80/dns",
            "http://[2001:4860:4860::8888]:80/dns",
        ),
        ("http://8.8.8.8/x", "http://8.8.8.8/x"),
        (
            "wss://stream.binance.com:9443/ws",
            "wss://stream.binance.com:9443/ws",
        ),
        // A private-section public suffix (httpbin.org, github.io) is still a public host.
        (
            "requests.get('https://httpbin.org/get')",
            "https://httpbin.org/get",
        ),
        (
            "[link=https://www.textualize.io]Textualize[/link]",
            "https://www.textualize.io",
        ),
        (
            "[x](https://pypi.org/a_(b)) and more",
            "https://pypi.org/a_(b)",
        ),
        (
            "BuildSystem &lt;http://bugs.centos.org&gt;",
            "http://bugs.centos.org",
        ),
    ] {
        assert_eq!(
            one(text, Syntax::Config),
            (Kind::Url, url.to_owned()),
            "{text}"
        );
    }
}

#[test]
fn placeholders_are_kept_exactly() {
    for (text, url) in [
        (
            "https://github.com/${ORG}/repo/archive/${REF}.tar.gz",
            "https://github.com/${ORG}/repo/archive/${REF}.tar.gz",
        ),
        (
            "curl https://mirrors.tuna.tsinghua.edu.cn/$(uname -m)/x.sh | sh",
            "https://mirrors.tuna.tsinghua.edu.cn/$(uname -m)/x.sh",
        ),
        (
            "https://${REGION}.amazonaws.com/bucket",
            "https://${REGION}.amazonaws.com/bucket",
        ),
        (
            "f\"https://huggingface.co/{repo_id}/resolve/main/{name}\"",
            "https://huggingface.co/{repo_id}/resolve/main/{name}",
        ),
    ] {
        assert_eq!(
            one(text, Syntax::Script),
            (Kind::Url, url.to_owned()),
            "{text}"
        );
    }
    // A host that is only a placeholder is declared where the variable is set, not here.
    none("curl http://${MASTER_ADDR}:${PORT}/health", Syntax::Script);
    none("url = f\"http://{host}:{port}/api\"", Syntax::Python);
}

#[test]
fn non_public_urls_are_left_out() {
    for text in [
        "http://localhost:8080/",
        "http://127.0.0.1:29500",
        "http://[::1]:80/",
        "https://example.com/docs",
        "http://minio.svc.cluster.local:9000",
        "http://10.0.0.5/simple",
        "http://master:29500",
        "file:///etc/hosts",
        "https://api.test/v1",
    ] {
        none(text, Syntax::Config);
    }
}

#[test]
fn adjacent_urls_split_at_the_next_scheme() {
    assert_eq!(
        found(
            "sed 's@http://archive.ubuntu.com/ubuntu@https://repo.huaweicloud.com/ubuntu@g'",
            Syntax::Script
        ),
        vec![
            (Kind::Url, "http://archive.ubuntu.com/ubuntu".to_owned()),
            (Kind::Url, "https://repo.huaweicloud.com/ubuntu".to_owned()),
        ]
    );
    assert_eq!(
        found(
            "https://a.pytorch.org,https://b.pytorch.org",
            Syntax::Config
        )
        .len(),
        2
    );
}

#[test]
fn scp_like_git_remotes() {
    assert_eq!(
        one(
            "git clone git@github.com:pytorch/pytorch.git",
            Syntax::Script
        ),
        (Kind::Url, "git@github.com:pytorch/pytorch.git".to_owned())
    );
    assert_eq!(
        one("url = git@gitee.com:ascend/pytorch", Syntax::Config),
        (Kind::Url, "git@gitee.com:ascend/pytorch".to_owned())
    );
}

#[test]
fn credentials_are_masked() {
    let all = extract(
        "index-url = https://deploy:s3cr3t@pypi.company-mirror.com/simple",
        Syntax::Config,
    );
    assert_eq!(all.len(), 1);
    let url = &all[0];
    assert_eq!(
        url.text,
        "https://deploy:****@pypi.company-mirror.com/simple"
    );
    assert_eq!(url.credentials_user.as_deref(), Some("deploy"));
    let token = extract(
        "https://${USER}:${TOKEN}@pypi.company-mirror.com/simple",
        Syntax::Config,
    );
    assert_eq!(token.len(), 1);
    assert_eq!(token[0].credentials_user, None);
}

#[test]
fn public_ips_only() {
    assert_eq!(
        one("nameserver 8.8.8.8", Syntax::Config),
        (Kind::Ip, "8.8.8.8".to_owned())
    );
    assert_eq!(
        one("allow 1.1.1.0/24;", Syntax::Config),
        (Kind::Ip, "1.1.1.0/24".to_owned())
    );
    assert_eq!(
        one("dns: 2001:4860:4860::8888.", Syntax::Config),
        (Kind::Ip, "2001:4860:4860::8888".to_owned())
    );
    assert_eq!(
        one("addr ::ffff:8.8.4.4", Syntax::Config),
        (Kind::Ip, "::ffff:8.8.4.4".to_owned())
    );
    for text in [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "192.0.2.1",
        "198.51.100.1",
        "203.0.113.1",
        "198.18.0.1",
        "224.0.0.1",
        "240.0.0.1",
        "0.0.0.0",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1%eth0",
        "fd00::1",
        "2001:db8::1",
        "3fff::1",
        "2001:2::1",
        "::ffff:127.0.0.1",
        "ff02::1",
    ] {
        none(&format!("host = {text}"), Syntax::Config);
    }
}

#[test]
fn version_strings_are_not_addresses() {
    for text in [
        "version = 1.2.3.4",
        "torch==1.2.3.4",
        "v1.2.3.4",
        "python3.10.1.2",
        "__version__ = \"8.8.8.8\"",
        "pkg-8.8.8.8.tar.gz",
        "1.2.3.4.5",
        "01.02.03.04",
        "release: 8.8.4.4",
        "numpy>=8.8.8.8",
        "build 8.8.8.8-rc1",
        "time 12:30:45",
        "mac aa:bb:cc:dd:ee:ff",
        "std::string x; a[::2]",
    ] {
        none(text, Syntax::Config);
    }
}

#[test]
fn bare_domains_in_config_values() {
    for (text, domain) in [
        ("trusted-host = mirrors.aliyun.com", "mirrors.aliyun.com"),
        ("  - registry.npmjs.org", "registry.npmjs.org"),
        (
            "pip install --trusted-host pypi.tuna.tsinghua.edu.cn torch",
            "pypi.tuna.tsinghua.edu.cn",
        ),
        ("\"host\": \"repo.huaweicloud.com\"", "repo.huaweicloud.com"),
        ("server=ntp.aliyun.com:123", "ntp.aliyun.com"),
    ] {
        assert_eq!(
            one(text, Syntax::Config),
            (Kind::Domain, domain.to_owned()),
            "{text}"
        );
    }
    assert_eq!(
        one(
            "url = 'www.microsoft.com/download/details.aspx?id=%d'",
            Syntax::Python
        ),
        (Kind::Domain, "www.microsoft.com".to_owned())
    );
    assert_eq!(
        one("MIRROR = \"mirrors.aliyun.com\"", Syntax::Python),
        (Kind::Domain, "mirrors.aliyun.com".to_owned())
    );
}

#[test]
fn code_and_file_names_are_not_domains() {
    for text in [
        "logging.info(\"x\")",
        "import os.path",
        "python setup.py install",
        "model.pt",
        "config.json",
        "README.md",
        "self.model.eval()",
        "torch.nn.Module",
        "python -m torch.distributed.run --nproc 8",
        "[tool.setuptools.packages.find]",
        "mirrors.aliyun.com = 3",
        "# see mirrors.aliyun.com",
        "cp /etc/pip.conf ./x/mirrors.aliyun.com",
        "configure.ac",
        "level: logging.info",
        "lexer = pygments.lexers.ml",
        "key: metadata.name",
        "op: f32.gt",
        "style = progress.download",
        "op = aten.transpose.int",
        "patch builtins.int",
        "module = llvmlite.ir",
        "key = others.should.not.be",
        "play sndhdr.au",
        "catalog = gettext.mo",
    ] {
        none(text, Syntax::Script);
    }
    none(
        "ops = {\"aten.transpose.int\", \"aten.t.default\"}",
        Syntax::Python,
    );
    assert_eq!(
        one("ntp = www.who.int", Syntax::Script),
        (Kind::Domain, "www.who.int".to_owned())
    );
    assert_eq!(
        one("mirror = mirror.aarnet.edu.au", Syntax::Script),
        (Kind::Domain, "mirror.aarnet.edu.au".to_owned())
    );
    // In Python only a whole string literal is a value.
    none("logging.info(\"see mirrors.aliyun.com\")", Syntax::Python);
    none(
        "x = os.path.join(a, b)  # mirrors.aliyun.com",
        Syntax::Python,
    );
    none("\"\"\"Docs at pytorch.org.\"\"\"", Syntax::Python);
    // Plain text files get no bare domains at all.
    none("see mirrors.aliyun.com", Syntax::Text);
}

#[test]
fn emails() {
    assert_eq!(
        one("maintainer: Jane <jane.doe@huawei.com>", Syntax::Config),
        (Kind::Email, "jane.doe@huawei.com".to_owned())
    );
    assert_eq!(
        one("<a href=\"mailto:stephane@hillion.org\">", Syntax::Config),
        (Kind::Email, "stephane@hillion.org".to_owned())
    );
    none(
        "noreply@example.com root@localhost pkg@1.2.3 @decorator.name",
        Syntax::Config,
    );
    // `name@index` call notation and doctest strings at a Python file.
    none(
        "# foo.bar, foo.bar@1, foo@1.bar, foo@1.bar@1",
        Syntax::Python,
    );
    none("'foo-bar@baz.py'", Syntax::Python);
    assert_eq!(
        one("mail = npu-team@163.com", Syntax::Config),
        (Kind::Email, "npu-team@163.com".to_owned())
    );
}

#[test]
fn positions_are_one_based_characters() {
    let all = extract("# é\nurl = \"https://pypi.org/simple\"\n", Syntax::Config);
    assert_eq!(all.len(), 1);
    assert_eq!((all[0].line, all[0].column, all[0].end_column), (2, 8, 31));
}

#[test]
fn hostile_inputs_do_not_panic() {
    for text in [
        "://",
        "a://",
        "@",
        "@@@",
        "$(",
        "${",
        "http://$(",
        "http://${a",
        "::::::::::::",
        "1.2.3.",
        "1.2.3.4/",
        "1.2.3.4/999",
        "[",
        "http://[",
        "http://[::1",
        "x@y.",
        "\"",
        "'''",
        "\u{0}http://pypi.org\u{0}",
    ] {
        let _ = extract(text, Syntax::Python);
        let _ = extract(text, Syntax::Config);
    }
    let long = "a.".repeat(100_000);
    let _ = extract(&long, Syntax::Config);
    let colons = ":".repeat(100_000);
    let _ = extract(&colons, Syntax::Config);
}

proptest::proptest! {
    /// On any text: no panic, addresses in file order, and each address's text is exactly the
    /// source at its offset (a masked password aside).
    #[test]
    fn any_text_gives_exact_in_order_addresses(
        text in "([a-z0-9./:@%$(){}\\[\\]'\" \n=_-]|https://|git@|8\\.8\\.8\\.8|2001:4860::1|pypi\\.org|\\$\\{X\\}){0,40}",
        python in proptest::bool::ANY,
    ) {
        let syntax = if python { Syntax::Python } else { Syntax::Config };
        let all = extract(&text, syntax);
        for pair in all.windows(2) {
            proptest::prop_assert!(pair[0].offset < pair[1].offset);
        }
        for address in &all {
            if address.credentials_user.is_none() {
                let source = text.get(address.offset..address.offset + address.text.len());
                proptest::prop_assert_eq!(source, Some(address.text.as_str()));
            }
        }
    }
}
