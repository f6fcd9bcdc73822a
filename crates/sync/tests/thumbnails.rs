//! Thumbnails from a server that cannot be trusted: a stub on 127.0.0.1 that answers the right
//! bytes for one name, wrong bytes for another, a declared 5 MiB body for a third and an endless
//! chunked body for a fourth. Only the right bytes may reach the cache, and nothing may make the
//! client hold more than the size limit.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use trove_core::thumbs::MAX_THUMB_BYTES;
use trove_core::{projects, Store};
use trove_protocol::ProjectKind;
use trove_sync::{Engine, Remote};

fn sha256(bytes: &[u8]) -> String {
    // The cache names what it stores; storing and reading back is the simplest hash at hand.
    let dir = tempfile::tempdir().unwrap();
    trove_core::thumbs::ThumbCache::open(dir.path()).unwrap().put(bytes).unwrap()
}

struct Names {
    good: String,
    wrong: String,
    declared_big: String,
    endless: String,
}

/// Serves the four answers; returns the base URL.
async fn stub(names: Arc<Names>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else { return };
            let names = names.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 8192];
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    let Ok(n) = sock.read(&mut buf).await else { return };
                    if n == 0 {
                        return;
                    }
                    got.extend_from_slice(&buf[..n]);
                }
                let head = String::from_utf8_lossy(&got).to_string();
                let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
                let name = path.rsplit('/').next().unwrap_or("");
                let fixed = |body: &[u8]| {
                    let mut r = format!("HTTP/1.1 200 OK\r\ncontent-type: image/png\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", body.len()).into_bytes();
                    r.extend_from_slice(body);
                    r
                };
                if name == names.good {
                    let _ = sock.write_all(&fixed(b"the right tile")).await;
                } else if name == names.wrong {
                    let _ = sock.write_all(&fixed(b"something else entirely")).await;
                } else if name == names.declared_big {
                    let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n", 5 << 20);
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(&vec![0u8; 64 << 10]).await; // then stalls
                    tokio::time::sleep(Duration::from_secs(30)).await;
                } else if name == names.endless {
                    let _ = sock.write_all(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n").await;
                    let chunk = vec![b'z'; 64 << 10];
                    let mut sent = 0usize;
                    loop {
                        let mut c = format!("{:x}\r\n", chunk.len()).into_bytes();
                        c.extend_from_slice(&chunk);
                        c.extend_from_slice(b"\r\n");
                        if sock.write_all(&c).await.is_err() {
                            return; // the client hung up, as it should
                        }
                        sent += chunk.len();
                        assert!(sent < 64 << 20, "the client kept reading an endless body");
                    }
                } else {
                    let _ = sock.write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_bytes_that_hash_to_the_name_asked_for_and_fit_the_limit_are_stored() {
    let names = Arc::new(Names {
        good: sha256(b"the right tile"),
        wrong: sha256(b"the tile that was asked for"),
        declared_big: sha256(b"a big one"),
        endless: sha256(b"an endless one"),
    });
    let url = stub(names.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(&dir.path().join("trove.db"), &dir.path().join("thumbs")).unwrap());
    let engine = Engine::new(store.clone(), Remote::new(&url, "token").unwrap());

    let err = engine.fetch_thumbnail(&names.wrong).await.unwrap_err().to_string();
    assert!(err.contains("hash to"), "{err}");
    for name in [&names.declared_big, &names.endless] {
        let err = tokio::time::timeout(Duration::from_secs(20), engine.fetch_thumbnail(name)).await.expect("refused without reading on").unwrap_err();
        assert!(err.to_string().contains(&format!("larger than {MAX_THUMB_BYTES} bytes")), "{err}");
    }
    assert_eq!(store.thumbs().size().unwrap(), 0, "nothing was stored, under any name");
    engine.fetch_thumbnail(&names.good).await.unwrap();
    assert!(store.thumbs().contains(&names.good));

    // "Make available offline" stores the right one and counts the others as refused.
    let project = store
        .write(|tx| {
            let p = projects::create(tx, "P", ProjectKind::Image, "")?;
            let d = projects::create_dataset(tx, p, "D")?;
            for (n, thumb) in [&names.good, &names.wrong, &names.declared_big, &names.endless].into_iter().enumerate() {
                tx.execute(
                    "INSERT INTO items (uuid, project_id, dataset_id, kind, name, mime, size, labels_count, created_at, updated_at, thumb, source, tags_text) \
                     VALUES (?1, ?2, ?3, 'image', ?1, 'image/png', 1, 0, 0, 0, ?4, 's', '')",
                    rusqlite::params![format!("item-{n}"), p, d, thumb],
                )?;
            }
            Ok(p)
        })
        .unwrap();
    let done = tokio::time::timeout(Duration::from_secs(30), engine.prefetch_thumbnails(project, 1 << 30, &|_| {})).await.unwrap().unwrap();
    assert_eq!((done.present, done.fetched, done.refused), (1, 0, 3), "{done:?}");
    assert_eq!(store.thumbs().size().unwrap(), b"the right tile".len() as u64);
}
