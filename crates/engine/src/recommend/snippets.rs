//! Copy-ready code with the recommended settings: Python `smtplib`, Node `nodemailer`,
//! PHP `PHPMailer`, Django settings, .NET `MailKit`, Go `net/smtp` and `curl`. The
//! password always comes from the environment variable [`PASSWORD_ENV`], never its value
//! (smtptui's own secret never reaches this module). Every value inserted into code is
//! quoted for that language, so a hostile user name cannot break out of its string.

use std::fmt::Write as _;

use crate::model::{Mode, PASSWORD_ENV, Recommendation, Snippet};

/// Sender and recipient for the test message of the snippets.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    /// `--from`, or the user when it is an e-mail address.
    pub from: Option<String>,
    /// The first `--to`.
    pub to: Option<String>,
}

const SUBJECT: &str = "Test from the settings smtptui recommended";
const BODY: &str = "It works.";

/// Every snippet, in the order of the issue: Python, Node, PHP, Django, .NET, Go, curl.
pub fn all(rec: &Recommendation, env: &Envelope) -> Vec<Snippet> {
    let v = Values::new(rec, env);
    vec![
        snip("python", "Python smtplib", python(&v)),
        snip("nodemailer", "Node.js nodemailer", nodemailer(&v)),
        snip("phpmailer", "PHP PHPMailer", phpmailer(&v)),
        snip("django", "Django settings.py", django(&v)),
        snip("mailkit", ".NET MailKit (C#)", mailkit(&v)),
        snip("go", "Go net/smtp", go(&v)),
        snip("curl", "curl", curl(&v)),
    ]
}

fn snip(id: &str, title: &str, code: String) -> Snippet {
    Snippet {
        id: id.into(),
        title: title.into(),
        code,
    }
}

/// The values every snippet uses.
struct Values<'a> {
    rec: &'a Recommendation,
    user: String,
    from: String,
    to: String,
    mech: Option<&'a str>,
    comment: String,
}

impl<'a> Values<'a> {
    fn new(rec: &'a Recommendation, env: &Envelope) -> Self {
        let user = rec.user.clone().unwrap_or_else(|| "USER".into());
        let from = env.from.clone().unwrap_or_else(|| "you@example.com".into());
        let to = env
            .to
            .clone()
            .unwrap_or_else(|| "recipient@example.com".into());
        // Comments carry only the headline; strip line breaks so a comment stays one line.
        let comment = format!("smtptui recommends {}", rec.headline()).replace(['\r', '\n'], " ");
        Self {
            rec,
            user,
            from,
            to,
            mech: rec.mech.as_deref(),
            comment,
        }
    }
    fn implicit(&self) -> bool {
        self.rec.mode == Mode::Tls
    }
    fn tls(&self) -> bool {
        self.rec.mode != Mode::Plain
    }
    fn host(&self) -> &str {
        &self.rec.host
    }
    fn port(&self) -> u16 {
        self.rec.port
    }
}

/// A double-quoted string literal valid in Python, JavaScript, Go and C# (JSON escaping:
/// `\"`, `\\`, `\n`, `\uXXXX` are understood by all four).
fn dq(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// A single-quoted PHP string literal.
fn php_q(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A single-quoted POSIX shell word.
fn sh_q(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

fn python(v: &Values) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "# {}", v.comment);
    let _ = writeln!(
        s,
        "import os\nimport smtplib\nimport ssl\nfrom email.message import EmailMessage\n"
    );
    let _ = writeln!(s, "msg = EmailMessage()");
    let _ = writeln!(s, "msg[\"From\"] = {}", dq(&v.from));
    let _ = writeln!(s, "msg[\"To\"] = {}", dq(&v.to));
    let _ = writeln!(s, "msg[\"Subject\"] = {}", dq(SUBJECT));
    let _ = writeln!(s, "msg.set_content({})\n", dq(BODY));
    match &v.rec.ca_file {
        Some(ca) => {
            let _ = writeln!(s, "context = ssl.create_default_context(cafile={})", dq(ca));
        }
        None => {
            let _ = writeln!(s, "context = ssl.create_default_context()");
        }
    }
    if v.implicit() {
        let _ = writeln!(
            s,
            "with smtplib.SMTP_SSL({}, {}, context=context, timeout=30) as smtp:",
            dq(v.host()),
            v.port()
        );
    } else {
        let _ = writeln!(
            s,
            "with smtplib.SMTP({}, {}, timeout=30) as smtp:",
            dq(v.host()),
            v.port()
        );
        if v.tls() {
            let _ = writeln!(s, "    smtp.starttls(context=context)");
        }
    }
    if let Some(m) = v.mech {
        let seen = if v.rec.auth_verified {
            "worked"
        } else {
            "is offered"
        };
        let _ = writeln!(
            s,
            "    # login() picks CRAM-MD5, PLAIN or LOGIN from what the server offers ({m} {seen})"
        );
        let _ = writeln!(
            s,
            "    smtp.login({}, os.environ[{}])",
            dq(&v.user),
            dq(PASSWORD_ENV)
        );
    }
    let _ = writeln!(s, "    smtp.send_message(msg)");
    s
}

fn nodemailer(v: &Values) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "// {}", v.comment);
    if v.rec.ca_file.is_some() {
        let _ = writeln!(s, "const fs = require(\"fs\");");
    }
    let _ = writeln!(s, "const nodemailer = require(\"nodemailer\");\n");
    let _ = writeln!(s, "const transporter = nodemailer.createTransport({{");
    let _ = writeln!(s, "  host: {},", dq(v.host()));
    let _ = writeln!(s, "  port: {},", v.port());
    if v.implicit() {
        let _ = writeln!(s, "  secure: true, // implicit TLS from the first byte");
    } else {
        let _ = writeln!(s, "  secure: false, // starts plain, then STARTTLS");
        if v.tls() {
            let _ = writeln!(s, "  requireTLS: true, // never send without STARTTLS");
        }
    }
    if let Some(ca) = &v.rec.ca_file {
        let _ = writeln!(s, "  tls: {{ ca: [fs.readFileSync({})] }},", dq(ca));
    }
    if let Some(m) = v.mech {
        let _ = writeln!(
            s,
            "  auth: {{ user: {}, pass: process.env.{PASSWORD_ENV} }},",
            dq(&v.user)
        );
        let _ = writeln!(s, "  authMethod: {},", dq(m));
    }
    let _ = writeln!(s, "}});\n");
    let _ = writeln!(s, "transporter");
    let _ = writeln!(
        s,
        "  .sendMail({{ from: {}, to: {}, subject: {}, text: {} }})",
        dq(&v.from),
        dq(&v.to),
        dq(SUBJECT),
        dq(BODY)
    );
    let _ = writeln!(s, "  .then((info) => console.log(info.response))");
    let _ = writeln!(
        s,
        "  .catch((err) => {{ console.error(err); process.exit(1); }});"
    );
    s
}

fn phpmailer(v: &Values) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "<?php\n// {}", v.comment);
    let _ = writeln!(s, "use PHPMailer\\PHPMailer\\PHPMailer;\n");
    let _ = writeln!(s, "require 'vendor/autoload.php';\n");
    let _ = writeln!(s, "$mail = new PHPMailer(true); // throws on failure");
    let _ = writeln!(s, "$mail->isSMTP();");
    let _ = writeln!(s, "$mail->Host = {};", php_q(v.host()));
    let _ = writeln!(s, "$mail->Port = {};", v.port());
    if v.implicit() {
        let _ = writeln!(s, "$mail->SMTPSecure = PHPMailer::ENCRYPTION_SMTPS;");
    } else if v.tls() {
        let _ = writeln!(s, "$mail->SMTPSecure = PHPMailer::ENCRYPTION_STARTTLS;");
    } else {
        let _ = writeln!(s, "$mail->SMTPAutoTLS = false;");
    }
    if let Some(ca) = &v.rec.ca_file {
        let _ = writeln!(
            s,
            "$mail->SMTPOptions = ['ssl' => ['cafile' => {}]];",
            php_q(ca)
        );
    }
    if let Some(m) = v.mech {
        let _ = writeln!(s, "$mail->SMTPAuth = true;");
        let _ = writeln!(s, "$mail->AuthType = {};", php_q(m));
        let _ = writeln!(s, "$mail->Username = {};", php_q(&v.user));
        let _ = writeln!(s, "$mail->Password = getenv({});", php_q(PASSWORD_ENV));
    }
    let _ = writeln!(s, "$mail->setFrom({});", php_q(&v.from));
    let _ = writeln!(s, "$mail->addAddress({});", php_q(&v.to));
    let _ = writeln!(s, "$mail->Subject = {};", php_q(SUBJECT));
    let _ = writeln!(s, "$mail->Body = {};", php_q(BODY));
    let _ = writeln!(s, "$mail->send();");
    s
}

fn django(v: &Values) -> String {
    let py = |b: bool| if b { "True" } else { "False" };
    let mut s = String::new();
    let _ = writeln!(s, "# settings.py - {}", v.comment);
    let _ = writeln!(s, "import os\n");
    let _ = writeln!(
        s,
        "EMAIL_BACKEND = \"django.core.mail.backends.smtp.EmailBackend\""
    );
    let _ = writeln!(s, "EMAIL_HOST = {}", dq(v.host()));
    let _ = writeln!(s, "EMAIL_PORT = {}", v.port());
    let _ = writeln!(
        s,
        "EMAIL_USE_TLS = {}  # STARTTLS",
        py(v.tls() && !v.implicit())
    );
    let _ = writeln!(s, "EMAIL_USE_SSL = {}  # implicit TLS", py(v.implicit()));
    if v.mech.is_some() {
        let _ = writeln!(s, "EMAIL_HOST_USER = {}", dq(&v.user));
        let _ = writeln!(s, "EMAIL_HOST_PASSWORD = os.environ[{}]", dq(PASSWORD_ENV));
    }
    let _ = writeln!(s, "EMAIL_TIMEOUT = 30");
    let _ = writeln!(s, "DEFAULT_FROM_EMAIL = {}", dq(&v.from));
    if let Some(ca) = &v.rec.ca_file {
        let _ = writeln!(
            s,
            "# The certificate verified with {ca}: start Django with SSL_CERT_FILE pointing at it."
        );
    }
    s
}

fn mailkit(v: &Values) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "// {}", v.comment);
    let _ = writeln!(
        s,
        "using MailKit.Net.Smtp;\nusing MailKit.Security;\nusing MimeKit;\n"
    );
    let _ = writeln!(s, "var message = new MimeMessage();");
    let _ = writeln!(
        s,
        "message.From.Add(MailboxAddress.Parse({}));",
        dq(&v.from)
    );
    let _ = writeln!(s, "message.To.Add(MailboxAddress.Parse({}));", dq(&v.to));
    let _ = writeln!(s, "message.Subject = {};", dq(SUBJECT));
    let _ = writeln!(
        s,
        "message.Body = new TextPart(\"plain\") {{ Text = {} }};\n",
        dq(BODY)
    );
    let _ = writeln!(s, "using var client = new SmtpClient();");
    if let Some(ca) = &v.rec.ca_file {
        let _ = writeln!(
            s,
            "// The certificate verified with {ca}: add that CA to the machine's trust store."
        );
    }
    let opt = match v.rec.mode {
        Mode::Tls => "SecureSocketOptions.SslOnConnect",
        Mode::Starttls => "SecureSocketOptions.StartTls",
        Mode::Auto => "SecureSocketOptions.StartTlsWhenAvailable",
        Mode::Plain => "SecureSocketOptions.None",
    };
    let _ = writeln!(s, "client.Connect({}, {}, {opt});", dq(v.host()), v.port());
    if let Some(m) = v.mech {
        let password = format!("Environment.GetEnvironmentVariable({})", dq(PASSWORD_ENV));
        let class = match m {
            "PLAIN" => Some("SaslMechanismPlain"),
            "LOGIN" => Some("SaslMechanismLogin"),
            "CRAM-MD5" => Some("SaslMechanismCramMd5"),
            _ => None,
        };
        match class {
            Some(c) => {
                let _ = writeln!(
                    s,
                    "client.Authenticate(new {c}({}, {password}));",
                    dq(&v.user)
                );
            }
            None => {
                let _ = writeln!(s, "client.Authenticate({}, {password});", dq(&v.user));
            }
        }
    }
    let _ = writeln!(s, "client.Send(message);");
    let _ = writeln!(s, "client.Disconnect(true);");
    s
}

fn go(v: &Values) -> String {
    let addr = format!("{}:{}", v.host(), v.port());
    let ca = v.rec.ca_file.as_deref();
    let mut s = String::new();
    let _ = writeln!(s, "// {}", v.comment);
    let _ = writeln!(s, "package main\n\nimport (");
    if v.tls() {
        let _ = writeln!(s, "\t\"crypto/tls\"");
    }
    if ca.is_some() {
        let _ = writeln!(s, "\t\"crypto/x509\"");
    }
    let _ = writeln!(s, "\t\"log\"\n\t\"net/smtp\"");
    if v.mech.is_some() || ca.is_some() {
        let _ = writeln!(s, "\t\"os\"");
    }
    let _ = writeln!(s, ")\n");
    let _ = writeln!(s, "func main() {{");
    let _ = writeln!(s, "\thost := {}", dq(v.host()));
    if v.tls() {
        let _ = writeln!(s, "\tconfig := &tls.Config{{ServerName: host}}");
    }
    if let Some(ca) = ca {
        let _ = writeln!(s, "\tpem, err := os.ReadFile({})", dq(ca));
        let _ = writeln!(s, "\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}");
        let _ = writeln!(s, "\tconfig.RootCAs = x509.NewCertPool()");
        let _ = writeln!(s, "\tconfig.RootCAs.AppendCertsFromPEM(pem)");
    }
    if v.implicit() {
        let _ = writeln!(s, "\tconn, err := tls.Dial(\"tcp\", {}, config)", dq(&addr));
        let _ = writeln!(s, "\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}");
        let _ = writeln!(s, "\tc, err := smtp.NewClient(conn, host)");
    } else {
        let _ = writeln!(s, "\tc, err := smtp.Dial({})", dq(&addr));
    }
    let _ = writeln!(s, "\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}");
    let _ = writeln!(s, "\tdefer c.Close()");
    if v.tls() && !v.implicit() {
        let _ = writeln!(
            s,
            "\tif err := c.StartTLS(config); err != nil {{\n\t\tlog.Fatal(err)\n\t}}"
        );
    }
    if let Some(m) = v.mech {
        let password = format!("os.Getenv({})", dq(PASSWORD_ENV));
        let auth = if m == "CRAM-MD5" {
            format!("smtp.CRAMMD5Auth({}, {password})", dq(&v.user))
        } else {
            if m != "PLAIN" {
                let _ = writeln!(
                    s,
                    "\t// net/smtp has no {m}: PLAIN is used (check that the server offers it)"
                );
            }
            format!("smtp.PlainAuth(\"\", {}, {password}, host)", dq(&v.user))
        };
        let _ = writeln!(
            s,
            "\tif err := c.Auth({auth}); err != nil {{\n\t\tlog.Fatal(err)\n\t}}"
        );
    }
    let _ = writeln!(
        s,
        "\tif err := c.Mail({}); err != nil {{\n\t\tlog.Fatal(err)\n\t}}",
        dq(&v.from)
    );
    let _ = writeln!(
        s,
        "\tif err := c.Rcpt({}); err != nil {{\n\t\tlog.Fatal(err)\n\t}}",
        dq(&v.to)
    );
    let _ = writeln!(
        s,
        "\tw, err := c.Data()\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}"
    );
    let msg = format!(
        "From: {}\r\nTo: {}\r\nSubject: {SUBJECT}\r\n\r\n{BODY}\r\n",
        v.from, v.to
    );
    let _ = writeln!(
        s,
        "\tif _, err := w.Write([]byte({})); err != nil {{\n\t\tlog.Fatal(err)\n\t}}",
        dq(&msg)
    );
    let _ = writeln!(
        s,
        "\tif err := w.Close(); err != nil {{\n\t\tlog.Fatal(err)\n\t}}"
    );
    let _ = writeln!(
        s,
        "\tif err := c.Quit(); err != nil {{\n\t\tlog.Fatal(err)\n\t}}"
    );
    let _ = writeln!(s, "}}");
    s
}

fn curl(v: &Values) -> String {
    let scheme = if v.implicit() { "smtps" } else { "smtp" };
    let url = format!("{scheme}://{}:{}", v.host(), v.port());
    let mut s = String::new();
    let _ = writeln!(s, "# {}", v.comment);
    let _ = writeln!(s, "cat > mail.txt <<'EOF'");
    let _ = writeln!(
        s,
        "From: {}\nTo: {}\nSubject: {SUBJECT}\n\n{BODY}\nEOF",
        v.from.replace(['\r', '\n'], " "),
        v.to.replace(['\r', '\n'], " ")
    );
    let mut args = vec![format!("--url {}", sh_q(&url))];
    if v.tls() && !v.implicit() {
        args.push("--ssl-reqd".into());
    }
    if let Some(ca) = &v.rec.ca_file {
        args.push(format!("--cacert {}", sh_q(ca)));
    }
    args.push(format!("--mail-from {}", sh_q(&v.from)));
    args.push(format!("--mail-rcpt {}", sh_q(&v.to)));
    args.push("--upload-file mail.txt".into());
    if let Some(m) = v.mech {
        args.push(format!("--login-options {}", sh_q(&format!("AUTH={m}"))));
        // The password stays out of the process list: curl reads `user = ...` from stdin.
        let _ = writeln!(
            s,
            "# the password is read from ${PASSWORD_ENV} and passed on stdin, not in argv"
        );
        let _ = writeln!(
            s,
            "printf 'user = \"%s:%s\"\\n' {} \"${PASSWORD_ENV}\" |",
            sh_q(&v.user)
        );
        args.push("--config -".into());
    }
    let _ = writeln!(s, "curl {}", args.join(" \\\n  "));
    s
}
