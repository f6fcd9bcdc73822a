//! A video's size and poster frame, from ffprobe and ffmpeg when they are installed (Debian's
//! `ffmpeg` package; `scripts/setup` installs it, the app's `.deb` recommends it). Without them,
//! or for a file they cannot read, a video comes in with neither and its tile shows a
//! placeholder. Each run is bounded: the demuxer is the one the file's extension names (never a
//! playlist that could reach other files or the network), only the file protocol is allowed, the
//! output is capped, and a run that takes longer than [`RUN_LIMIT`] is killed.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::DynamicImage;

/// Longest a probe or a frame grab may take.
pub const RUN_LIMIT: Duration = Duration::from_secs(20);
/// Most bytes read from a run's output (a frame of at most 1024 px as PNG is far less).
const OUTPUT_MAX: usize = 16 << 20;

/// The demuxer for a video extension: forcing it keeps ffmpeg from taking the file as a
/// playlist or a concat list.
fn demuxer(ext: &str) -> Option<&'static str> {
    match ext {
        "mp4" | "m4v" | "mov" => Some("mov"),
        "webm" => Some("matroska"),
        _ => None,
    }
}

/// Runs `program` with `args`; its standard output if it exits 0 within [`RUN_LIMIT`].
fn run(program: &str, args: &[&str]) -> Option<Vec<u8>> {
    let mut child = Command::new(program).args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().ok()?;
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(OUTPUT_MAX as u64).read_to_end(&mut out);
        out
    });
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < RUN_LIMIT => std::thread::sleep(Duration::from_millis(20)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    };
    let out = reader.join().ok()?;
    status.success().then_some(out)
}

/// The video's width and height, and a frame of it (about a second in, or the first one for a
/// shorter clip) no larger than 1024 px.
pub fn poster(path: &Path, ext: &str) -> Option<(u32, u32, DynamicImage)> {
    let format = demuxer(ext)?;
    let file = path.to_str()?;
    let probe = run(
        "ffprobe",
        &["-v", "error", "-protocol_whitelist", "file", "-f", format, "-select_streams", "v:0", "-show_entries", "stream=width,height", "-of", "csv=p=0", file],
    )?;
    let text = String::from_utf8(probe).ok()?;
    let (w, h) = text.lines().next()?.trim().trim_end_matches(',').split_once(',')?;
    let (w, h): (u32, u32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
    let frame = |at: &str| {
        run(
            "ffmpeg",
            &[
                "-v", "error", "-nostdin", "-protocol_whitelist", "file", "-ss", at, "-f", format, "-i", file, "-frames:v", "1",
                "-vf", "scale='min(1024,iw)':-2", "-f", "image2pipe", "-vcodec", "png", "-",
            ],
        )
        .filter(|png| !png.is_empty())
    };
    let png = frame("1").or_else(|| frame("0"))?;
    let img = image::load_from_memory_with_format(&png, image::ImageFormat::Png).ok()?;
    Some((w, h, img))
}
