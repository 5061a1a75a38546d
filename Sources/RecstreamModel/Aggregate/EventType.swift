/// Kinds of implicit feedback, in increasing strength.
public enum EventType: String, CaseIterable, Sendable, Codable {
    case view, click, like
}

/// The weight `w` that one event of each type adds to its (user, item) pair.
public struct EventWeights: Sendable, Equatable, Codable {
    public var view: Float = 1
    public var click: Float = 2
    public var like: Float = 4

    public init(view: Float = 1, click: Float = 2, like: Float = 4) {
        self.view = view
        self.click = click
        self.like = like
    }

    public func weight(of type: EventType) -> Float {
        switch type {
        case .view: return view
        case .click: return click
        case .like: return like
        }
    }
}
