//! Benchmark results: a table for people, JSON lines for machines.

/// One measured figure.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Entry {
    /// Suite the figure belongs to.
    pub suite: String,
    /// Stable name of the figure (scripts and docs refer to it).
    pub name: String,
    /// The value.
    pub value: f64,
    /// Its unit.
    pub unit: String,
}

/// The figures of one benchmark run.
pub struct Report {
    suite: String,
    entries: Vec<Entry>,
}

impl Report {
    /// An empty report for `suite`.
    pub fn new(suite: &str) -> Report {
        Report { suite: suite.to_string(), entries: Vec::new() }
    }

    /// Record a figure.
    pub fn add(&mut self, name: &str, value: f64, unit: &str) {
        self.entries.push(Entry { suite: self.suite.clone(), name: name.into(), value, unit: unit.into() });
    }

    /// Print as JSON lines or as an aligned table.
    pub fn print(&self, json: bool) {
        if json {
            for e in &self.entries {
                println!("{}", serde_json::to_string(e).expect("plain struct serializes"));
            }
            return;
        }
        let w = self.entries.iter().map(|e| e.name.len()).max().unwrap_or(4).max(4);
        println!("{:<w$}  {:>14}  unit", "name", "value");
        for e in &self.entries {
            let v = if e.value.abs() >= 100.0 { format!("{:.0}", e.value) } else { format!("{:.2}", e.value) };
            println!("{:<w$}  {:>14}  {}", e.name, v, e.unit);
        }
    }
}
