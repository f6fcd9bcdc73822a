use std::sync::atomic::AtomicBool;

use super::*;

fn fixture() -> (tempfile::TempDir, std::path::PathBuf, fixture::Expected) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pictures");
    let expected = fixture::write(&root, &dir.path().join("outside"));
    let root = folder(&root).unwrap();
    (dir, root, expected)
}

#[test]
fn a_walk_finds_pictures_and_videos_and_skips_hidden_files_and_links_outside() {
    let (_dir, root, expected) = fixture();
    let found = walk(&root);
    let names: Vec<&str> = found.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "anim.gif",
            "broken.jpg",
            "clip.mp4",
            "drawing.png",
            "empty.png",
            "photo.jpg",
            "scan.bmp",
            "sticker.webp",
            "nested/cat.jpeg",
            "nested/drawing link.png",
            "nested/photo copy.jpg",
            "nested/rotated.jpg",
            "nested/deeper/page.tiff",
        ]
    );
    assert_eq!(found.outside, expected.outside);
    assert_eq!((found.hidden, found.other), (2, 1), "two hidden entries, one text file");
    assert!(found.unreadable.is_empty(), "{:?}", found.unreadable);
    assert_eq!(found.files.iter().find(|f| f.name == "clip.mp4").unwrap().kind, Kind::Video);
}

#[test]
fn every_format_is_read_with_its_type_and_size_and_bad_files_say_why() {
    let (_dir, root, expected) = fixture();
    let found = walk(&root);
    let outcomes = read_all(&found.files, &AtomicBool::new(false), &|_| false);
    let mut failed = Vec::new();
    for (file, outcome) in found.files.iter().zip(outcomes) {
        match outcome.expect("read: nothing cancelled") {
            Outcome::Known { .. } => panic!("nothing is known"),
            Outcome::New(s) => {
                assert_eq!(s.size, std::fs::metadata(&file.path).unwrap().len(), "{}", file.name);
                assert_eq!(s.content.len(), 64);
                assert!(s.modified.is_some());
                let mime = match file.name.rsplit_once('.').unwrap().1 {
                    "jpg" | "jpeg" => "image/jpeg",
                    "png" => "image/png",
                    "webp" => "image/webp",
                    "gif" => "image/gif",
                    "bmp" => "image/bmp",
                    "tiff" => "image/tiff",
                    "mp4" => "video/mp4",
                    other => panic!("unexpected {other}"),
                };
                assert_eq!(s.mime, mime, "{}", file.name);
                if s.kind == trove_protocol::ItemKind::Video {
                    assert_eq!((s.width, s.thumb.is_some()), (None, false));
                } else {
                    let thumb = image::load_from_memory(s.thumb.as_ref().unwrap()).unwrap();
                    assert!(thumb.width().max(thumb.height()) <= trove_thumbs::THUMB_SIDE);
                }
            }
            Outcome::Failed(why) => failed.push((file.name.clone(), why.0)),
        }
    }
    let names: Vec<&str> = failed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, expected.failed);
    assert!(failed[0].1.starts_with("the picture cannot be decoded ("), "{}", failed[0].1);
    assert_eq!(failed[1].1, "the file is empty (0 bytes)");
    let same = |a: &str, b: &str| {
        let of = |n: &str| found.files.iter().position(|f| f.name == n).unwrap();
        let (a, b) = (read(&found.files[of(a)]).unwrap(), read(&found.files[of(b)]).unwrap());
        a.content == b.content
    };
    assert!(same("photo.jpg", "nested/photo copy.jpg") && same("drawing.png", "nested/drawing link.png"));
    assert!(!same("photo.jpg", "drawing.png"));
}

#[test]
fn an_exif_rotated_photo_is_measured_and_thumbnailed_upright() {
    let (_dir, root, _) = fixture();
    let file = walk(&root).files.into_iter().find(|f| f.name == "nested/rotated.jpg").unwrap();
    let s = read(&file).unwrap();
    assert_eq!((s.width, s.height), (Some(40), Some(80)), "stored 80×40, shown turned");
    let thumb = image::load_from_memory(&s.thumb.unwrap()).unwrap().to_rgb8();
    assert_eq!((thumb.width(), thumb.height()), (40, 80));
    // Turned clockwise, the red left half is on top and the blue right half at the bottom.
    let (top, bottom) = (thumb.get_pixel(20, 5), thumb.get_pixel(20, 75));
    assert!(top[0] > 150 && top[2] < 100, "top {top:?}");
    assert!(bottom[2] > 150 && bottom[0] < 100, "bottom {bottom:?}");
}

#[test]
fn a_cancelled_read_reads_nothing_more_and_a_missing_folder_is_a_sentence() {
    let (_dir, root, _) = fixture();
    let found = walk(&root);
    assert!(read_all(&found.files, &AtomicBool::new(true), &|_| false).iter().all(Option::is_none));
    // A file whose content the caller has is hashed, not decoded.
    let photo = found.files.iter().find(|f| f.name == "photo.jpg").unwrap();
    let content = read(photo).unwrap().content;
    let size = std::fs::metadata(&photo.path).unwrap().len();
    assert_eq!(read_unless(photo, &|c| c == content), Outcome::Known { content: content.clone(), size });
    let e = folder(&root.join("nope")).unwrap_err().to_string();
    assert_eq!(e, format!("folder {:?} does not exist", root.join("nope").display().to_string()));
    let e = folder(&root.join("photo.jpg")).unwrap_err().to_string();
    assert!(e.ends_with("is not a folder; choose the folder of pictures to import"), "{e}");
}

#[test]
fn a_large_photo_is_decoded_scaled_down_and_still_measured_and_turned_right() {
    let dir = tempfile::tempdir().unwrap();
    let mut jpeg = Vec::new();
    fixture::halves(1200, 600).write_to(&mut std::io::Cursor::new(&mut jpeg), image::ImageFormat::Jpeg).unwrap();
    let path = dir.path().join("big.jpg");
    std::fs::write(&path, fixture::with_orientation_6(&jpeg)).unwrap();
    let s = read(&Found { name: "big.jpg".into(), path, kind: Kind::Picture }).unwrap();
    assert_eq!((s.width, s.height), (Some(600), Some(1200)), "the original's size, shown turned");
    let thumb = image::load_from_memory(&s.thumb.unwrap()).unwrap().to_rgb8();
    assert_eq!((thumb.width(), thumb.height()), (128, 256));
    let (top, bottom) = (thumb.get_pixel(64, 10), thumb.get_pixel(64, 245));
    assert!(top[0] > 150 && top[2] < 100, "top {top:?}");
    assert!(bottom[2] > 150 && bottom[0] < 100, "bottom {bottom:?}");
}

#[test]
fn a_video_gets_its_size_and_a_poster_frame_from_ffmpeg_and_a_playlist_in_disguise_gets_neither() {
    // scripts/setup installs ffmpeg (the app works without it: videos then show a placeholder).
    let made = |args: &[&str]| std::process::Command::new("ffmpeg").args(args).output().map(|o| o.status.success()).unwrap_or(false);
    let dir = tempfile::tempdir().unwrap();
    let clip = dir.path().join("clip.mp4");
    let clip_s = clip.to_str().unwrap();
    assert!(
        made(&["-v", "error", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=10", "-t", "2", "-c:v", "mpeg4", "-y", clip_s]),
        "ffmpeg is missing or cannot make a test clip: scripts/setup installs it (apt-get install ffmpeg)"
    );
    let s = read(&Found { name: "clip.mp4".into(), path: clip, kind: Kind::Video }).unwrap();
    assert_eq!((s.kind, s.mime.as_str(), s.width, s.height), (trove_protocol::ItemKind::Video, "video/mp4", Some(320), Some(240)));
    let poster = image::load_from_memory(&s.thumb.expect("a poster frame")).unwrap();
    assert_eq!((poster.width(), poster.height()), (256, 192));

    // An HLS playlist named .mp4 that points at a local file: read as MP4 only, so no frame.
    let fake = dir.path().join("fake.mp4");
    std::fs::write(&fake, "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n").unwrap();
    let s = read(&Found { name: "fake.mp4".into(), path: fake, kind: Kind::Video }).unwrap();
    assert_eq!((s.width, s.height, s.thumb), (None, None, None), "a video ffmpeg cannot read comes in with a placeholder");
}
