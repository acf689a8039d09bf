//! The chart of `chatbot bench retrieval`: latency per engine (left, log
//! scale) and top-1 per engine overall and per slice (right), as a PNG.

use std::path::Path;
use std::sync::OnceLock;

use chatbot::Error;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::fail;

/// Width and height of the PNG, in pixels.
const SIZE: (u32, u32) = (1200, 600);

/// Fonts tried in order (Debian: fonts-dejavu-core, fonts-liberation).
const FONTS: [&str; 2] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
];

/// One colour per engine, in the order of the run (ours first by default).
const COLOURS: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
];

/// What the chart shows of one engine.
pub struct ChartEngine {
    pub name: String,
    pub p50_us: f64,
    pub p99_us: f64,
    /// Top-1 per group, in the order of [`draw`]'s `groups` (`None` when the
    /// group has no in-scope line).
    pub top1: Vec<Option<f64>>,
}

/// A linear axis with the ticks (and grid lines) exactly at `points`.
struct Ticks {
    range: std::ops::Range<f64>,
    points: Vec<f64>,
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        let share = if span > 0.0 {
            (value - self.range.start) / span
        } else {
            0.5
        };
        limit.0 + (f64::from(limit.1 - limit.0) * share).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.points.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// `n` slots of width 1 with a tick at the middle of each.
fn slots(n: usize) -> Ticks {
    Ticks {
        range: 0.0..n as f64,
        points: (0..n).map(|i| i as f64 + 0.5).collect(),
    }
}

fn colour(i: usize) -> RGBColor {
    COLOURS[i % COLOURS.len()]
}

/// Registers a system TrueType font as "sans-serif", once per process.
fn register_font() -> Result<(), Error> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let Some((path, bytes)) = FONTS
                .iter()
                .find_map(|p| std::fs::read(p).ok().map(|b| (p, b)))
            else {
                return Err(format!(
                    "the chart needs a TrueType font and none of {} exists: install fonts-dejavu-core (Debian: apt-get install fonts-dejavu-core)",
                    FONTS.join(", ")
                ));
            };
            // plotters keeps the font for the life of the process.
            let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
            plotters::style::register_font("sans-serif", FontStyle::Normal, bytes)
                .map_err(|_| format!("{path}: not a usable TrueType font"))
        })
        .clone()
        .map_err(fail)
}

/// Draws the chart into `path` (PNG). `groups` names the right panel's
/// groups (e.g. "all", then the slices).
pub fn draw(
    path: &Path,
    title: &str,
    engines: &[ChartEngine],
    groups: &[String],
) -> Result<(), Error> {
    register_font()?;
    let err = |e: &dyn std::fmt::Display| fail(format!("chart {}: {e}", path.display()));
    let root = BitMapBackend::new(path, SIZE).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(&e))?;
    let body = root
        .titled(title, ("sans-serif", 22).into_font())
        .map_err(|e| err(&e))?;
    let (left, right) = body.split_horizontally(480);
    latency_panel(&left, engines).map_err(|e| err(&e))?;
    accuracy_panel(&right, engines, groups).map_err(|e| err(&e))?;
    root.present().map_err(|e| err(&e))?;
    Ok(())
}

type Area<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;
type DrawResult =
    Result<(), DrawingAreaErrorKind<<BitMapBackend<'static> as DrawingBackend>::ErrorType>>;

/// The bounds of a log axis for bars from `lo` to `hi`: a power of ten
/// well below (so that the shortest bar shows), and room above for the
/// value labels and the legend.
fn log_bounds(lo: f64, hi: f64) -> (f64, f64) {
    let lo = 10f64.powf((lo.max(0.03) / 3.0).log10().floor());
    (lo, hi.max(lo * 10.0) * 8.0)
}

fn latency_panel(area: &Area<'_>, engines: &[ChartEngine]) -> DrawResult {
    let n = engines.len().max(1);
    let lo = engines
        .iter()
        .map(|e| e.p50_us)
        .fold(f64::INFINITY, f64::min);
    let hi = engines.iter().map(|e| e.p99_us).fold(0.0, f64::max);
    let (y_lo, y_hi) = log_bounds(if lo.is_finite() { lo } else { 1.0 }, hi);
    let names: Vec<&str> = engines.iter().map(|e| e.name.as_str()).collect();
    let x_fmt = |v: &f64| {
        names
            .get(v.floor().max(0.0) as usize)
            .map_or_else(String::new, |s| (*s).to_owned())
    };
    let y_fmt = |v: &f64| {
        if *v >= 1.0 {
            format!("{v:.0}")
        } else {
            format!("{v}")
        }
    };
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Latency per query (µs, log scale)",
            ("sans-serif", 18).into_font(),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d(slots(n), (y_lo..y_hi).log_scale())?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc("µs")
        .label_style(("sans-serif", 14))
        .draw()?;
    let value_style =
        TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (i, e) in engines.iter().enumerate() {
        let x = i as f64;
        let c = colour(i);
        chart.draw_series([
            Rectangle::new(
                [(x + 0.1, y_lo), (x + 0.48, e.p50_us.max(y_lo))],
                c.filled(),
            ),
            Rectangle::new(
                [(x + 0.52, y_lo), (x + 0.9, e.p99_us.max(y_lo))],
                c.mix(0.4).filled(),
            ),
        ])?;
        chart.draw_series([
            Text::new(
                format!("{:.0}", e.p50_us),
                (x + 0.29, e.p50_us.max(y_lo)),
                value_style.clone(),
            ),
            Text::new(
                format!("{:.0}", e.p99_us),
                (x + 0.71, e.p99_us.max(y_lo)),
                value_style.clone(),
            ),
        ])?;
    }
    // The legend: solid p50, light p99.
    let grey = RGBColor(90, 90, 90);
    chart
        .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
        .label("p50 (solid)")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], grey.filled()));
    chart
        .draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())?
        .label("p99 (light)")
        .legend(move |(x, y)| {
            Rectangle::new([(x, y - 5), (x + 14, y + 5)], grey.mix(0.4).filled())
        });
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}

fn accuracy_panel(area: &Area<'_>, engines: &[ChartEngine], groups: &[String]) -> DrawResult {
    let g = groups.len().max(1);
    let n = engines.len().max(1);
    let x_fmt = |v: &f64| {
        groups
            .get(v.floor().max(0.0) as usize)
            .cloned()
            .unwrap_or_default()
    };
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Top-1 on the team set, overall and per slice",
            ("sans-serif", 18).into_font(),
        )
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d(
            slots(g),
            // Room above 1 for the legend.
            Ticks {
                range: 0.0..1.5,
                points: vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0],
            },
        )?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&|v| format!("{v:.1}"))
        .y_desc("top-1")
        .label_style(("sans-serif", 14))
        .draw()?;
    let width = 0.84 / n as f64;
    for (i, e) in engines.iter().enumerate() {
        let c = colour(i);
        let bars = e.top1.iter().enumerate().filter_map(move |(k, v)| {
            let v = (*v)?;
            let x = k as f64 + 0.08 + width * i as f64;
            Some(Rectangle::new(
                [(x, 0.0), (x + width * 0.92, v)],
                c.filled(),
            ))
        });
        chart
            .draw_series(bars)?
            .label(e.name.clone())
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], c.filled()));
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 13))
        .draw()?;
    Ok(())
}
