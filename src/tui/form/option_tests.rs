//! Unit tests of the form with the command line's options: pre-fill, the CLI's rules,
//! presets.

use super::tests::fill;
use super::*;

#[test]
fn command_line_options_fill_the_form_and_come_back() {
    let mut base = Settings::new("");
    base.ports = parse_ports("587").unwrap();
    base.resolve = vec![("mail.lab.test".into(), "127.0.0.2".parse().unwrap())];
    base.dns_server = Some("127.0.0.1:5353".parse().unwrap());
    base.tls.server_name = Some("mail.lab.test".into());
    base.timeouts = crate::settings::Timeouts::uniform(std::time::Duration::from_secs(3));
    let mut f = Form::new(Vec::new());
    f.load_settings(&base);
    assert_eq!(f.input(Field::Host).text(), "");
    assert_eq!(f.input(Field::Ports).text(), "587");
    let mut mx = Form::new(Vec::new());
    mx.load_settings(&Settings {
        mx: true,
        ..base.clone()
    });
    assert_eq!(mx.input(Field::Host).text(), "mx:");
    assert_eq!(f.input(Field::Resolve).text(), "mail.lab.test:127.0.0.2");
    assert_eq!(f.input(Field::DnsServer).text(), "127.0.0.1:5353");
    assert_eq!(f.input(Field::ServerName).text(), "mail.lab.test");
    fill(&mut f, Field::Host, "mx:nullmx.test");
    let s = f.submit().unwrap();
    assert!(s.mx);
    assert_eq!(s.target, "nullmx.test");
    assert_eq!(s.dns_server, base.dns_server);
    assert_eq!(s.resolve, base.resolve);
    assert_eq!(s.timeouts, base.timeouts);
    // Remembered targets keep them.
    let r = f.to_recent();
    let mut g = Form::new(vec![r]);
    g.cycle_recent(1);
    let again = g.submit().unwrap();
    assert_eq!(again.dns_server, base.dns_server);
    assert_eq!(again.resolve, base.resolve);
    // Emptying the fields drops them.
    fill(&mut g, Field::Resolve, "");
    fill(&mut g, Field::DnsServer, "");
    let none = g.submit().unwrap();
    assert!(none.resolve.is_empty() && none.dns_server.is_none());
}

#[test]
fn the_cli_rules_refuse_bad_values() {
    let mut f = Form::new(Vec::new());
    fill(&mut f, Field::Host, "mail.example.com");
    fill(&mut f, Field::CaFile, "/nonexistent.pem");
    let e = f.submit().unwrap_err();
    assert_eq!(e.to_string(), "CA file /nonexistent.pem: no such file");
    assert!(matches!(
        e,
        FormError::Invalid(ValidationError::NoSuchFile {
            option: "CA file",
            ..
        })
    ));
    fill(&mut f, Field::CaFile, "/etc/hostname");
    let e = f.submit().unwrap_err().to_string();
    assert!(e.contains("/etc/hostname"), "{e}");
    fill(&mut f, Field::CaFile, "");
    fill(&mut f, Field::Resolve, "mail.example.com");
    assert!(
        matches!(f.submit(), Err(e @ FormError::Invalid(ValidationError::ResolveSyntax(_))) if e.to_string().contains("HOST:ADDR"))
    );
    fill(&mut f, Field::Resolve, "");
    fill(&mut f, Field::DnsServer, "dns.example");
    assert!(
        matches!(f.submit(), Err(e @ FormError::Invalid(ValidationError::DnsServer(_))) if e.to_string().contains("ADDR[:PORT]"))
    );
    fill(&mut f, Field::DnsServer, "");
    fill(&mut f, Field::Host, "two words");
    assert!(matches!(
        f.submit(),
        Err(FormError::Invalid(ValidationError::Target(_)))
    ));
    fill(&mut f, Field::Host, "mail.example.com");
    fill(&mut f, Field::ClientCert, "/nonexistent-cert.pem");
    fill(&mut f, Field::ClientKey, "/nonexistent-key.pem");
    assert_eq!(
        f.submit().unwrap_err().to_string(),
        "client certificate /nonexistent-cert.pem: no such file"
    );
}

#[test]
fn a_preset_replaces_what_it_implies() {
    let mut f = Form::new(Vec::new());
    fill(&mut f, Field::Host, "old.example");
    fill(&mut f, Field::ServerName, "old.example");
    fill(&mut f, Field::CaFile, "/tmp/old-ca.pem");
    fill(&mut f, Field::Auth, "CRAM-MD5");
    fill(&mut f, Field::Preset, "gmail");
    f.sync_preset();
    assert_eq!(f.input(Field::Host).text(), "smtp.gmail.com");
    for field in [Field::ServerName, Field::CaFile, Field::Auth] {
        assert_eq!(f.input(field).text(), "", "{field:?}");
    }
}

#[test]
fn reach_fields_follow_the_cli_rules_in_the_forms_words() {
    let mut f = Form::new(Vec::new());
    fill(&mut f, Field::Host, "mail.example.com");
    // A proxy user needs the password the form was handed; the form reads no variable.
    fill(&mut f, Field::Proxy, "socks5://pu@127.0.0.1:1080");
    let e = f.submit().unwrap_err();
    assert_eq!(e, FormError::ProxyPassword);
    assert_eq!(
        e.to_string(),
        "the proxy names a user: set SMTPTUI_PROXY_PASSWORD"
    );
    let mut f = f.with_proxy_password(Some(Secret::new("proxy-pw-7")));
    let s = f.submit().unwrap();
    let p = s.proxy.as_ref().unwrap();
    assert_eq!(p.password.as_ref().map(Secret::expose), Some("proxy-pw-7"));
    assert!(!format!("{f:?}{s:?}{:?}", f.to_recent()).contains("proxy-pw-7"));
    // A password in the URL is refused, and not repeated on screen.
    fill(&mut f, Field::Proxy, "socks5://pu:hunter2@127.0.0.1:1080");
    let e = f.submit().unwrap_err();
    assert!(matches!(
        e,
        FormError::Invalid(ValidationError::Proxy(ProxyError::PasswordInUrl))
    ));
    assert!(!e.to_string().contains("hunter2"), "{e}");
    fill(&mut f, Field::Proxy, "");
    // Source: an address, else an interface name by the CLI's rule.
    fill(&mut f, Field::Bind, "a/b");
    assert_eq!(
        f.submit().unwrap_err().to_string(),
        "`a/b` is neither an IP address nor an interface name"
    );
    fill(&mut f, Field::Bind, "eth0");
    assert_eq!(f.submit().unwrap().interface.as_deref(), Some("eth0"));
    fill(&mut f, Field::Bind, "127.0.0.1");
    let s = f.submit().unwrap();
    assert!(s.interface.is_none() && s.bind.is_some());
    // The client certificate and its key go together.
    fill(&mut f, Field::ClientCert, "/etc/hostname");
    let e = f.submit().unwrap_err();
    assert_eq!(e, FormError::ClientPair);
    assert_eq!(e.to_string(), "client certificate and key go together");
}
