import Foundation

/// The transitions of an event stream counted straight from it, as the
/// end-to-end tests produce it (keyed by user, so a user's events stay in
/// order): an event that changes the user's item steps to it from each of
/// the user's last 3 distinct items (the item itself skipped), the k-th
/// weighing 2^(1-k). `weights` is keyed "from>to", as
/// `StateRepository.transitionWeights`.
struct IndependentStepCount {
    private(set) var weights: [String: Float] = [:]
    private var recent: [String: [String]] = [:]

    mutating func record(user: String, item: String) {
        var items = recent[user] ?? []
        if let last = items.first, last != item {
            for (k, from) in items.prefix(3).enumerated() where from != item {
                weights["\(from)>\(item)", default: 0] += pow(2, -Float(k))
            }
        }
        items.removeAll { $0 == item }
        recent[user] = [item] + items
    }
}
