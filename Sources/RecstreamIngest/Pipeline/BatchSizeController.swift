/// How many records the next micro-batch may hold.
///
/// Without a cycle target every batch may fill to `maximum`
/// (`batch.max_events`). With one (incremental top-k: every list waits for
/// its whole batch to be learned, scored, committed and published), a batch
/// also closes at the number of records the last cycle processed per second
/// times the target: batches shrink when the cycles get slow (top-k scoring
/// of many new users), so one batch never holds more than a target's worth
/// of work, and grow back toward `maximum` when they are fast (a backlog of
/// cheap events). Never below `minimum`.
struct BatchSizeController: Sendable {
    let maximum: Int
    let minimum: Int
    /// Seconds one pipeline cycle (collect, learn, submit, score) should take; nil = no limit but `maximum`.
    let cycleTarget: Double?
    private(set) var limit: Int

    init(maximum: Int, minimum: Int = 500, cycleTarget: Double?) {
        self.maximum = maximum
        self.minimum = min(minimum, maximum)
        self.cycleTarget = cycleTarget
        limit = maximum
    }

    /// Records a finished cycle: `records` processed in `seconds` of wall
    /// time, waiting for records included.
    mutating func cycleFinished(records: Int, seconds: Double) {
        guard let cycleTarget, records > 0, seconds > 0 else { return }
        let proposal = Double(records) / seconds * cycleTarget
        limit = Int(min(Double(maximum), max(Double(minimum), proposal.rounded())))
    }
}
