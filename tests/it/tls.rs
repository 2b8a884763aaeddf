//! A self-hosted Potpie behind a company CA: the fake behind a loopback HTTPS front whose
//! certificate is issued by a CA made for the test, known to the server only through
//! `SSL_CERT_FILE` (as a CA added to the system's store would be).

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair};
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types::PrivateKeyDer};

use crate::support::fake_potpie::{FAKE_KEY, FakeConfig};
use crate::support::reliability::{Launch, assert_user_message};

struct CompanyCa {
    ca_pem: String,
    acceptor: TlsAcceptor,
}

fn company_ca() -> CompanyCa {
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "potpie-lsp test company CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &ca)
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone(), ca.der().clone()],
            PrivateKeyDer::Pkcs8(leaf_key.serialize_der().into()),
        )
        .unwrap();
    CompanyCa {
        ca_pem: ca.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    }
}

/// An HTTPS front on 127.0.0.1 that forwards each connection to `backend` in plain HTTP.
async fn https_front(acceptor: TlsAcceptor, backend: std::net::SocketAddr) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(sock).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ca_in_the_system_store_is_trusted_and_an_unknown_one_is_explained() {
    let fake = FakeConfig::new()
        .ready_after(1)
        .answer_text("Passwords are checked in `src/auth.rs`.")
        .start()
        .await;
    let ca = company_ca();
    let port = https_front(ca.acceptor.clone(), fake.addr()).await;
    let options = json!({"apiKey": FAKE_KEY, "baseUrl": format!("https://localhost:{port}")});
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("company-ca.pem");
    std::fs::write(&ca_file, &ca.ca_pem).unwrap();

    // The CA reaches the server the way a company's does: through the system's trust store.
    let server = Launch::new(options.clone())
        .env("SSL_CERT_FILE", &ca_file.to_string_lossy())
        .start()
        .await;
    let status = server.client.wait_status("ready").await;
    assert_eq!(status["backend"], "potpie", "{status}");
    let answer = server
        .client
        .execute(
            "potpie.ask",
            json!({"question": "Where is the password checked?"}),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(answer["markdown"].as_str().unwrap().contains("src/auth.rs"));
    server.stop().await;

    // Without it the certificate is unknown, and the message says what to do.
    let server = Launch::new(options).start().await;
    let status = server.client.wait_status("error").await;
    let message = status["message"].as_str().unwrap();
    assert_user_message(message, FAKE_KEY);
    assert!(
        message.contains("not trusted") && message.contains("SSL_CERT_FILE"),
        "{message}"
    );
    server.stop().await;
}
