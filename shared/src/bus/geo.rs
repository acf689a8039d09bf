//! Distances on the Earth's surface.

/// The Earth's mean radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle distance in metres between two points given in degrees
/// (haversine formula; a spherical Earth is within 0.5 % of the ellipsoid,
/// far below the precision of the stop coordinates).
pub fn haversine_m(lat1: f64, lng1: f64, lat2: f64, lng2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lng2 - lng1).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The half-sizes in degrees (latitude, longitude) of a box that contains
/// every point within `radius_m` of a point at latitude `lat`: the exact
/// extent of the spherical cap, widened by a hair so that rounding can
/// never leave out a point [`haversine_m`] puts inside. `None` when the cap
/// reaches a pole (then every longitude is in range).
pub fn cap_extent_deg(lat: f64, radius_m: f64) -> (f64, Option<f64>) {
    const MARGIN: f64 = 1.0 + 1e-9;
    const SLACK_DEG: f64 = 1e-9;
    let angle = radius_m / EARTH_RADIUS_M;
    let dlat = angle.to_degrees() * MARGIN + SLACK_DEG;
    let ratio = angle.sin() / lat.to_radians().cos();
    if lat.abs() + dlat >= 90.0 || !(0.0..1.0).contains(&ratio) {
        return (dlat, None);
    }
    let dlng = ratio.asin().to_degrees() * MARGIN + SLACK_DEG;
    (dlat, Some(dlng))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_points_are_a_known_distance_apart_should_measure_it() {
        // One minute of latitude is one nautical mile on this sphere (≈1853 m).
        let d = haversine_m(16.0, 108.2, 16.0 + 1.0 / 60.0, 108.2);
        assert!((d - 1853.2).abs() < 1.0, "{d}");
        assert_eq!(haversine_m(16.05, 108.2, 16.05, 108.2), 0.0);
    }

    #[test]
    fn the_cap_extent_should_contain_the_circle() {
        let (lat, lng, r): (f64, f64, f64) = (16.06, 108.22, 2000.0);
        let (dlat, dlng) = cap_extent_deg(lat, r);
        let dlng = dlng.unwrap();
        for i in 0..3600 {
            let bearing = f64::from(i).to_radians() / 10.0;
            // A point at distance r along the bearing (spherical destination).
            let a = r / EARTH_RADIUS_M;
            let p1 = lat.to_radians();
            let p2 = (p1.sin() * a.cos() + p1.cos() * a.sin() * bearing.cos()).asin();
            let l2 = lng.to_radians()
                + (bearing.sin() * a.sin() * p1.cos()).atan2(a.cos() - p1.sin() * p2.sin());
            assert!((p2.to_degrees() - lat).abs() <= dlat);
            assert!((l2.to_degrees() - lng).abs() <= dlng);
        }
    }
}
