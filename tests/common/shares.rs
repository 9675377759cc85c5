//! A binomial share against the probability that should produce it: the 95 %
//! Wilson score interval of k successes in n trials must hold it.

/// The 95 % Wilson score interval of a binomial share k / n.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    let (k, n, z) = (k as f64, n as f64, 1.959_964);
    let p = k / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (centre - half, centre + half)
}

/// Asserts that `p` lies in the 95 % Wilson interval of `k` / `n`, with enough
/// trials (over 2,000) for the interval to mean something.
pub fn assert_within(what: &str, k: u64, n: u64, p: f64) {
    let (lo, hi) = wilson(k, n);
    println!(
        "{what}: {k} / {n} = {:.4}, configured {p:.4}, 95 % [{lo:.4}, {hi:.4}]",
        k as f64 / n as f64
    );
    assert!(n > 2000, "{what}: too few trials ({n})");
    assert!(
        lo <= p && p <= hi,
        "{what}: {p} outside [{lo}, {hi}] ({k} / {n})"
    );
}
