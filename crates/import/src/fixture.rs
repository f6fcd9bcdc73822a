//! A folder that exercises an import (tests, and `examples/fixture.rs` for the window's tests):
//! every picture format, a nested folder, a hidden file, a corrupt and an empty file, links
//! leading outside and inside, a byte-identical copy, an EXIF-rotated JPEG, a video and a text
//! file. [`write`] returns what an import of it must find.

use std::path::Path;

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};

/// What importing the fixture must come to.
pub struct Expected {
    /// Items made: one per distinct picture or video.
    pub indexed: usize,
    /// Byte-identical copies (the copy and the link inside).
    pub duplicates: usize,
    /// Files refused, by name: the corrupt picture and the empty one.
    pub failed: Vec<&'static str>,
    /// Links leading outside the folder.
    pub outside: Vec<&'static str>,
}

/// A `w`×`h` picture: its left half red, its right half blue (so a turn shows).
pub fn halves(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, _| if x < w / 2 { Rgb([220, 20, 20]) } else { Rgb([20, 20, 220]) }))
}

/// `jpeg` (a JPEG file's bytes) with an EXIF block saying "turn 90° clockwise to show"
/// (orientation 6), as a camera held upright writes it.
pub fn with_orientation_6(jpeg: &[u8]) -> Vec<u8> {
    // TIFF header (big endian), one IFD entry: 0x0112 Orientation, SHORT, 1, value 6.
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08".to_vec();
    tiff.extend_from_slice(&[0x00, 0x01, 0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00]);
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    let mut app1 = b"Exif\x00\x00".to_vec();
    app1.extend_from_slice(&tiff);
    let len = (app1.len() + 2) as u16;
    let mut out = jpeg[..2].to_vec(); // SOI
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn save(path: &Path, img: &DynamicImage, format: ImageFormat) {
    std::fs::create_dir_all(path.parent().expect("a file in a folder")).expect("fixture folder");
    img.save_with_format(path, format).expect("fixture picture");
}

/// Writes the fixture under `root` (created), with `outside` a folder beside it for the link that
/// leads out. Each picture has its own shade, so no two are the same bytes by accident.
pub fn write(root: &Path, outside: &Path) -> Expected {
    let shade = |s: u8, w: u32, h: u32| DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| Rgb([s, (x * 7 % 256) as u8, (y * 5 % 256) as u8])));
    save(&root.join("photo.jpg"), &shade(10, 120, 80), ImageFormat::Jpeg);
    save(&root.join("drawing.png"), &shade(20, 64, 64), ImageFormat::Png);
    save(&root.join("sticker.webp"), &shade(30, 50, 40), ImageFormat::WebP);
    save(&root.join("anim.gif"), &shade(40, 30, 20), ImageFormat::Gif);
    save(&root.join("scan.bmp"), &shade(50, 33, 44), ImageFormat::Bmp);
    save(&root.join("nested/deeper/page.tiff"), &shade(60, 70, 90), ImageFormat::Tiff);
    save(&root.join("nested/cat.jpeg"), &shade(70, 300, 200), ImageFormat::Jpeg);
    // An upright photo stored sideways: 80 wide, 40 high, shown 40 wide and 80 high.
    let mut jpeg = Vec::new();
    halves(80, 40).write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg).expect("jpeg");
    std::fs::write(root.join("nested/rotated.jpg"), with_orientation_6(&jpeg)).expect("fixture file");
    std::fs::write(root.join("clip.mp4"), b"\x00\x00\x00\x18ftypmp42 not a real movie").expect("fixture file");
    // Refused with a reason: a JPEG cut short and an empty file.
    std::fs::write(root.join("broken.jpg"), [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F', 0, 1, 2, 3]).expect("fixture file");
    std::fs::write(root.join("empty.png"), b"").expect("fixture file");
    // Skipped: a hidden file, a hidden folder, a text file.
    save(&root.join(".hidden.png"), &shade(80, 8, 8), ImageFormat::Png);
    save(&root.join(".cache/thumb.png"), &shade(90, 8, 8), ImageFormat::Png);
    std::fs::write(root.join("notes.txt"), "not a picture").expect("fixture file");
    // A copy and a link to a file inside: one item each with their original.
    std::fs::copy(root.join("photo.jpg"), root.join("nested/photo copy.jpg")).expect("fixture copy");
    save(&outside.join("secret.png"), &shade(100, 8, 8), ImageFormat::Png);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("secret.png"), root.join("secret.png")).expect("fixture link");
        std::os::unix::fs::symlink(root.join("drawing.png"), root.join("nested/drawing link.png")).expect("fixture link");
        std::os::unix::fs::symlink(root.join("nested"), root.join("nested again")).expect("fixture link");
    }
    Expected { indexed: 9, duplicates: 2, failed: vec!["broken.jpg", "empty.png"], outside: vec!["secret.png"] }
}
