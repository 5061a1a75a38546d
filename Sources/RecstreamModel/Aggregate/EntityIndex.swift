/// Maps external ids (strings from events) to dense rows 0..<count and back.
public struct EntityIndex: Sendable {
    private var rowsByID: [String: Int32] = [:]
    public private(set) var ids: [String] = []

    public init() {}

    public var count: Int { ids.count }

    /// The row of `id`, if known.
    public func row(of id: String) -> Int32? { rowsByID[id] }

    /// The row of `id`, adding it as the next row when new.
    public mutating func resolve(_ id: String) -> (row: Int32, isNew: Bool) {
        if let row = rowsByID[id] { return (row, false) }
        let row = Int32(ids.count)
        rowsByID[id] = row
        ids.append(id)
        return (row, true)
    }
}
