//! Burn-down charts of migrations: how many entities remain over time, in total and for the
//! teams with the most left, with the due date, as SVG or PNG.
//!
//! Plain data in ([`BurnDown`]: days and counts), bytes out; nothing here knows the index or
//! the chat platforms. The size, 800×450, is what Slack and Discord show in a message preview
//! without scaling text below legibility, so labels are 15–20 px and only the teams furthest
//! behind get a line of their own ([`TEAM_LINES`]), the others adding up in the total.
//!
//! Text in PNGs is drawn from an embedded subset of DejaVu Sans (Latin-1, `fonts/`), so a chart
//! looks the same on every host, containers without fonts included.

use std::sync::Once;

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};

/// Width and height in pixels.
pub const SIZE: (u32, u32) = (800, 450);
/// Teams drawn as their own line (the most remaining today first).
pub const TEAM_LINES: usize = 6;

const FONT: &[u8] = include_bytes!("../fonts/DejaVuSans-subset.ttf");
const FAMILY: &str = "sans-serif";
/// Line colours of the teams, distinguishable by people with the common colour-vision
/// deficiencies (Okabe–Ito).
const PALETTE: [RGBColor; 6] = [
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
];

/// What a burn-down chart shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnDown {
    pub title: String,
    /// Remaining in total per recorded day (days since 1970-01-01, UTC), by day.
    pub total: Vec<(i64, u32)>,
    /// Remaining per team per recorded day; the chart draws the [`TEAM_LINES`] with the most
    /// remaining on the last day.
    pub teams: Vec<Series>,
    /// The due date (days since 1970-01-01).
    pub due: Option<i64>,
}

/// One team's line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub label: String,
    pub points: Vec<(i64, u32)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("cannot draw the chart: {0}")]
    Draw(String),
    #[error("cannot encode the PNG: {0}")]
    Png(#[from] png::EncodingError),
}

fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// The chart as an SVG document.
pub fn svg(chart: &BurnDown) -> Result<String, ChartError> {
    register();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_err)?;
    }
    Ok(out)
}

/// The chart as a PNG image.
pub fn png(chart: &BurnDown) -> Result<Vec<u8>, ChartError> {
    register();
    let (w, h) = SIZE;
    let mut pixels = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, SIZE).into_drawing_area();
        draw(&root, chart)?;
        root.present().map_err(draw_err)?;
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(&pixels)?;
    writer.finish()?;
    Ok(out)
}

fn register() {
    static ONCE: Once = Once::new();
    // The font is embedded and known to parse (a test draws with it); a failure would only mean
    // charts without text.
    ONCE.call_once(|| {
        let _ = register_font(FAMILY, FontStyle::Normal, FONT);
        let _ = register_font(FAMILY, FontStyle::Bold, FONT);
    });
}

fn draw<DB: DrawingBackend>(root: &DrawingArea<DB, plotters::coord::Shift>, chart: &BurnDown) -> Result<(), ChartError>
where
    DB::ErrorType: 'static,
{
    root.fill(&WHITE).map_err(draw_err)?;
    let days = chart.total.iter().map(|p| p.0).chain(chart.teams.iter().flat_map(|s| s.points.iter().map(|p| p.0)));
    let (first, last) = days.fold((i64::MAX, i64::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
    let (first, last) = if first > last { (0, 1) } else { (first, last) };
    let end = chart.due.map_or(last, |d| d.max(last));
    // A little room after the last day, so a due date on it is not drawn on the frame.
    let (x0, x1) = (first.min(end), end + ((end - first) / 20).max(1));
    let top = chart.total.iter().map(|p| p.1).max().unwrap_or(0).max(1);
    let y1 = top + top.div_ceil(10);

    let mut c = ChartBuilder::on(root)
        .caption(&chart.title, (FAMILY, 22).into_font())
        .margin(16)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(x0..x1, 0u32..y1)
        .map_err(draw_err)?;
    let label_font = (FAMILY, 15).into_font();
    c.configure_mesh()
        .x_labels(6)
        .y_labels(6)
        .x_label_formatter(&|d| date(*d)[5..].to_owned())
        .label_style(label_font.clone())
        .y_desc("remaining")
        .axis_desc_style(label_font.clone())
        .light_line_style(RGBColor(235, 235, 235))
        .draw()
        .map_err(draw_err)?;

    let mut teams: Vec<&Series> = chart.teams.iter().collect();
    teams.sort_by_key(|s| std::cmp::Reverse(s.points.last().map_or(0, |p| p.1)));
    for (i, s) in teams.iter().take(TEAM_LINES).enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        c.draw_series(LineSeries::new(s.points.iter().copied(), color.stroke_width(2)))
            .map_err(draw_err)?
            .label(s.label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color.stroke_width(3)));
        c.draw_series(s.points.iter().map(|p| Circle::new(*p, 3, color.filled()))).map_err(draw_err)?;
    }
    c.draw_series(LineSeries::new(chart.total.iter().copied(), BLACK.stroke_width(3)))
        .map_err(draw_err)?
        .label("all teams")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(3)));
    c.draw_series(chart.total.iter().map(|p| Circle::new(*p, 4, BLACK.filled()))).map_err(draw_err)?;
    if let Some(due) = chart.due {
        let red = RGBColor(200, 30, 30);
        c.draw_series(std::iter::once(PathElement::new(vec![(due, 0), (due, y1)], red.stroke_width(2))))
            .map_err(draw_err)?
            .label(format!("due {}", date(due)))
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], red.stroke_width(3)));
    }
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .label_font(label_font)
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(200, 200, 200))
        .draw()
        .map_err(draw_err)?;
    Ok(())
}

/// `YYYY-MM-DD` of a day since 1970-01-01 (civil-from-days, Howard Hinnant's algorithm).
pub fn date(day: i64) -> String {
    let z = day + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> BurnDown {
        let start = 20_400; // 2025-11-08
        BurnDown {
            title: "python3: remaining by team".into(),
            total: (0..10).map(|i| (start + i, 40 - 3 * i as u32)).collect(),
            teams: (0..8)
                .map(|t| Series {
                    label: format!("team-{t}"),
                    points: (0..10).map(|i| (start + i, 5 + t - (i as u32).min(5))).collect(),
                })
                .collect(),
            due: Some(start + 20),
        }
    }

    #[test]
    fn dates() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(20_429), "2025-12-07");
    }

    #[test]
    fn svg_names_the_teams_and_the_due_date() {
        let svg = svg(&sample()).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("width=\"800\""), "{}", &svg[..200]);
        assert!(svg.contains("due 2025-11-28") && svg.contains("all teams") && svg.contains("team-7"));
        // Only the teams furthest behind get a line.
        assert!(!svg.contains("team-0<"));
    }

    #[test]
    fn png_is_an_800_by_450_image_with_drawing_on_it() {
        let bytes = png(&sample()).unwrap();
        if let Some(path) = std::env::var_os("BACKLINE_CHART_OUT") {
            std::fs::write(path, &bytes).unwrap();
        }
        let decoder = png::Decoder::new(std::io::Cursor::new(&bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut pixels = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut pixels).unwrap();
        assert_eq!((info.width, info.height), SIZE);
        let not_white = pixels.chunks(3).filter(|p| p != &[255, 255, 255]).count();
        // Axes, lines, text: a few percent of the pixels, not none and not all.
        let share = not_white as f64 / f64::from(SIZE.0 * SIZE.1);
        assert!((0.01..0.5).contains(&share), "{share}");
    }

    #[test]
    fn one_day_of_history_and_nothing_at_all_still_draw() {
        let mut one = sample();
        one.total.truncate(1);
        one.teams.iter_mut().for_each(|s| s.points.truncate(1));
        one.due = None;
        assert!(png(&one).unwrap().len() > 1000);
        let empty = BurnDown { title: "x".into(), total: Vec::new(), teams: Vec::new(), due: None };
        assert!(svg(&empty).unwrap().contains("<svg"));
    }
}
