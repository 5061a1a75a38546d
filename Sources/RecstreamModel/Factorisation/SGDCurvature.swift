/// What the per-event SGD step needs from the Gramians, in single precision:
/// `G_U`, `G_V` and their largest eigenvalues. Refreshed at the start of a
/// batch once `refreshInterval` events have passed; the eigenvalues by a few
/// power iterations warm-started from the previous eigenvectors (rank-1
/// updates move them little, and the step has slack: learning rate <= 1).
struct SGDCurvature {
    var refreshInterval = 64
    private var refreshedAt: Int?
    private(set) var userGramian: [Float] = []
    private(set) var itemGramian: [Float] = []
    private(set) var userLambdaMax: Float = 0
    private(set) var itemLambdaMax: Float = 0
    private var userEigenvector: [Double]?
    private var itemEigenvector: [Double]?

    func isStale(eventsNow: Int) -> Bool {
        refreshedAt.map { eventsNow - $0 >= refreshInterval } ?? true
    }

    mutating func refresh(userGramian users: Gramian, itemGramian items: Gramian, eventsNow: Int, iterations: Int = 4) {
        refreshedAt = eventsNow
        userGramian = users.floatValues
        itemGramian = items.floatValues
        let user = users.largestEigenpair(start: userEigenvector, iterations: userEigenvector == nil ? 50 : iterations)
        let item = items.largestEigenpair(start: itemEigenvector, iterations: itemEigenvector == nil ? 50 : iterations)
        (userLambdaMax, userEigenvector) = (Float(user.value), user.vector)
        (itemLambdaMax, itemEigenvector) = (Float(item.value), item.vector)
    }
}
