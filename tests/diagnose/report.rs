//! The DNS report's newer checks end to end against the test DNS server: DKIM (good
//! RSA-2048 + Ed25519 via CNAME; RSA-1024, t=y, revoked, malformed; a custom selector
//! found only with `--dkim-selector`), DMARC inherited from the organizational domain
//! (`sp=`), a null-MX domain graded as a no-mail domain, a dead backup MX, SPF with
//! three void lookups, and the DNSBL answer 127.0.0.1 (RFC 5782: not a listing).

use base64::Engine as _;
use smtptui::model::{DnsCheck, DnsReport, DnsStatus};

use super::support::dns::Zone;
use super::{MxAddrs, dnsbl_name, dump, run, settings, world};

/// A DER SubjectPublicKeyInfo holding an RSA public key whose modulus has `bits` bits
/// (the bytes are arbitrary: a DNS record check only reads the structure and size).
fn rsa_spki(bits: usize) -> Vec<u8> {
    fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
        let n = body.len();
        let mut v = vec![tag];
        if n < 128 {
            v.push(n as u8);
        } else if n < 256 {
            v.extend([0x81, n as u8]);
        } else {
            v.extend([0x82, (n >> 8) as u8, n as u8]);
        }
        v.extend_from_slice(body);
        v
    }
    let mut modulus = vec![0u8, 0xd5];
    modulus.extend((1..bits / 8).map(|i| (i * 13 + 5) as u8));
    let pkcs1 = tlv(0x30, &[tlv(0x02, &modulus), tlv(0x02, &[1, 0, 1])].concat());
    let oid = [0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
    let alg = tlv(0x30, &[tlv(0x06, &oid), vec![0x05, 0x00]].concat());
    let mut bitstring = vec![0u8];
    bitstring.extend(&pkcs1);
    tlv(0x30, &[alg, tlv(0x03, &bitstring)].concat())
}

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// A real Ed25519 public key (RFC 8463: the 32 raw bytes), generated now.
fn ed25519_raw() -> Vec<u8> {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_ED25519)
        .unwrap()
        .public_key_raw()
        .to_vec()
}

/// The zones of this file (added to the shared world).
pub(crate) fn zones(z: &mut Zone, ips: &MxAddrs) {
    let rsa2048 = format!("v=DKIM1; k=rsa; p={}", b64(&rsa_spki(2048)));
    // The all-pass zone signs too.
    z.txt("google._domainkey.good.test", &rsa2048);
    // dkim.test: RSA-2048 at google, Ed25519 at selector1 via a CNAME into a tenant.
    z.mx("dkim.test", 10, "mx1.good.test")
        .txt("google._domainkey.dkim.test", &rsa2048)
        .cname(
            "selector1._domainkey.dkim.test",
            "selector1-dkim-test._domainkey.tenant.test",
        )
        .txt(
            "selector1-dkim-test._domainkey.tenant.test",
            &format!("v=DKIM1; k=ed25519; p={}", b64(&ed25519_raw())),
        );
    // weakdkim.test: every way a key goes wrong.
    z.mx("weakdkim.test", 10, "mx1.good.test")
        .txt(
            "s1._domainkey.weakdkim.test",
            &format!("v=DKIM1; p={}", b64(&rsa_spki(1024))),
        )
        .txt(
            "s2._domainkey.weakdkim.test",
            &format!("v=DKIM1; t=y; p={}", b64(&rsa_spki(2048))),
        )
        .txt("k1._domainkey.weakdkim.test", "v=DKIM1; k=rsa; p=")
        .txt(
            "default._domainkey.weakdkim.test",
            "v=DKIM1; k=rsa; p=bm90IGEga2V5",
        );
    // custom.test: the only key is at a selector nobody would guess.
    z.mx("custom.test", 10, "mx1.good.test")
        .txt("corp2026._domainkey.custom.test", &rsa2048);
    // sub.inherit.test: no _dmarc of its own; the organizational domain's sp= applies.
    z.mx("sub.inherit.test", 10, "mx1.good.test").txt(
        "_dmarc.inherit.test",
        "v=DMARC1; p=none; sp=quarantine; rua=mailto:d@inherit.test",
    );
    // nomail.test: null MX with the records a no-mail domain should have.
    z.mx("nomail.test", 0, ".")
        .txt("nomail.test", "v=spf1 -all")
        .txt("_dmarc.nomail.test", "v=DMARC1; p=reject;");
    // backup.test: MX 10 answers, MX 20 has nothing listening.
    z.mx("backup.test", 10, "mx1.good.test")
        .mx("backup.test", 20, "dead.backup.test")
        .a("dead.backup.test", &ips.dead)
        .mx("alldead.test", 10, "dead.backup.test");
    // void.test: three SPF terms whose lookups find nothing.
    z.mx("void.test", 10, "mx1.good.test").txt(
        "void.test",
        "v=spf1 a:nx1.void.test mx:nx2.void.test exists:nx3.void.test -all",
    );
    // bl2.test answers 127.0.0.1 for mx1.good.test's address.
    z.a(&dnsbl_name(&ips.good1, "bl2.test"), "127.0.0.1");
}

fn only(d: &DnsReport, check: DnsCheck, subject: &str) -> (DnsStatus, String) {
    let f = d
        .of(check)
        .find(|f| f.subject == subject)
        .unwrap_or_else(|| panic!("no {check:?} for {subject}\n{}", dump(d)));
    (f.status, format!("{} | {}", f.evidence, f.advice))
}

#[tokio::test]
async fn dkim_keys_are_found_sized_and_graded() {
    let w = world().await;
    let d = run(settings(&w, "dkim.test")).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Dkim, "google._domainkey.dkim.test");
    assert_eq!(st, DnsStatus::Pass, "{ev}");
    assert!(ev.contains("RSA 2048 bits"), "{ev}");
    let (st, ev) = only(&d, DnsCheck::Dkim, "selector1._domainkey.dkim.test");
    assert_eq!(st, DnsStatus::Pass, "{ev}");
    assert!(
        ev.contains("Ed25519")
            && ev.contains("via CNAME selector1-dkim-test._domainkey.tenant.test"),
        "{ev}"
    );
    let (st, ev) = only(&d, DnsCheck::Dkim, "dkim.test");
    assert_eq!(st, DnsStatus::Pass, "{ev}");
    assert!(
        ev.contains("selectors tried") && ev.contains("protonmail"),
        "{ev}"
    );

    let d = run(settings(&w, "weakdkim.test")).await.dns.unwrap();
    let key = |sel: &str| {
        only(
            &d,
            DnsCheck::Dkim,
            &format!("{sel}._domainkey.weakdkim.test"),
        )
    };
    let (st, ev) = key("s1");
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(ev.contains("RSA 1024 bits"), "{ev}");
    let (st, ev) = key("s2");
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(ev.contains("t=y"), "{ev}");
    let (st, ev) = key("k1");
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(ev.contains("revoked"), "{ev}");
    let (st, ev) = key("default");
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(ev.contains("malformed"), "{ev}");
    let (st, ev) = only(&d, DnsCheck::Dkim, "weakdkim.test");
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(ev.contains("no good key"), "{ev}");

    // The custom selector: not found by discovery (warn, says where it looked) ...
    let d = run(settings(&w, "custom.test")).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Dkim, "custom.test");
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(
        ev.contains("no DKIM key found") && ev.contains("--dkim-selector"),
        "{ev}"
    );
    assert_eq!(d.of(DnsCheck::Dkim).count(), 1, "{}", dump(&d));
    // ... found with --dkim-selector.
    let mut s = settings(&w, "custom.test");
    s.dkim_selectors = vec!["corp2026".into()];
    let d = run(s).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Dkim, "corp2026._domainkey.custom.test");
    assert_eq!(st, DnsStatus::Pass, "{ev}");
    let (st, ev) = only(&d, DnsCheck::Dkim, "custom.test");
    assert_eq!(st, DnsStatus::Pass, "{ev}");
    assert!(ev.contains("(--dkim-selector): corp2026"), "{ev}");
}

#[tokio::test]
async fn dmarc_inherits_from_the_organizational_domain() {
    let w = world().await;
    let d = run(settings(&w, "sub.inherit.test")).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Dmarc, "sub.inherit.test");
    assert_eq!(st, DnsStatus::Pass, "{ev}");
    assert!(
        ev.contains("inherited from the organizational domain inherit.test")
            && ev.contains("sp=quarantine of _dmarc.inherit.test"),
        "{ev}"
    );
}

#[tokio::test]
async fn null_mx_domain_is_graded_as_sending_nothing() {
    let w = world().await;
    let d = run(settings(&w, "nomail.test")).await.dns.unwrap();
    for check in [
        DnsCheck::NullMx,
        DnsCheck::Spf,
        DnsCheck::Dmarc,
        DnsCheck::Dkim,
        DnsCheck::MtaSts,
        DnsCheck::TlsRpt,
    ] {
        assert_eq!(
            d.worst(check),
            Some(DnsStatus::Pass),
            "{check:?}\n{}",
            dump(&d)
        );
    }
    assert_eq!(d.worst(DnsCheck::Dane), None, "{}", dump(&d));
    // null.test publishes nothing: SPF and DMARC fail with no-mail advice.
    let d = run(settings(&w, "null.test")).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Spf, "null.test");
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(
        ev.contains("v=spf1 -all") && !ev.contains("listing the servers"),
        "{ev}"
    );
    let (st, ev) = only(&d, DnsCheck::Dmarc, "null.test");
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(ev.contains("p=reject"), "{ev}");
}

#[tokio::test]
async fn dead_backup_mx_warns_and_no_mx_answering_fails() {
    let w = world().await;
    let d = run(settings(&w, "backup.test")).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Mx, "backup.test");
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(
        ev.contains("1 of 2 MX hosts unreachable") && ev.contains("dead.backup.test"),
        "{ev}"
    );
    let d = run(settings(&w, "alldead.test")).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Mx, "alldead.test");
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(ev.contains("no MX host answered"), "{ev}");
}

#[tokio::test]
async fn spf_void_lookups_and_dnsbl_loopback_answer() {
    let w = world().await;
    let mut s = settings(&w, "void.test");
    s.dnsbl = vec!["bl2.test".into()];
    let d = run(s).await.dns.unwrap();
    let (st, ev) = only(&d, DnsCheck::Spf, "void.test");
    assert_eq!(st, DnsStatus::Fail, "{ev}");
    assert!(ev.contains("3 void lookups"), "{ev}");
    // 127.0.0.1 from a DNSBL is not a listing (RFC 5782).
    let (st, ev) = only(&d, DnsCheck::Dnsbl, &w.ips.good1);
    assert_eq!(st, DnsStatus::Warn, "{ev}");
    assert!(ev.contains("127.0.0.1 is not a listing"), "{ev}");
}
