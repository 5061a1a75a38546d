import RecstreamModel
import RecstreamStore
import Testing

@testable import RecstreamIngest

/// A batch writes what it touched, not what the catalog holds.
@Suite("The rows a batch writes")
struct BatchWritesTests {
    @Test func aBatchWritesTheCentroidsItChangedNotEveryUploaders() throws {
        var configuration = ModelConfiguration()
        configuration.dimension = 8
        configuration.warmItemUsers = 1
        configuration.sweepInterval = 0
        var model = RecommenderModel(configuration: configuration)
        let items = 100_000
        for item in 0..<items {
            model.upsertItem("i\(item)", profile: ItemProfile(categories: ["c\(item % 50)"], uploader: "up\(item)"))
        }
        for start in stride(from: 0, to: items, by: 20_000) {
            model.apply((start..<start + 20_000).map { Engagement(user: "u\($0 % 2_000)", item: "i\($0)") })
        }
        let everything = ModelPersistence.centroidRows(model.centroids, model.takeCentroidChanges())
        #expect(everything.filter { $0.kind == .uploader }.count == items, "a restored or new model writes every group once")

        // A batch on ten items of ten uploaders and ten categories.
        let firstNewUser = Int32(model.users.count)
        let firstNewItem = Int32(model.items.count)
        let changes = model.apply((0..<10).map { Engagement(user: "u\($0)", item: "i\($0 * 7)") })
        let writes = ModelPersistence.writes(
            model, changes: changes, catalogItems: [], centroids: model.takeCentroidChanges(), firstNewUser: firstNewUser,
            firstNewItem: firstNewItem, modelVersion: 1)
        let uploaders = writes.centroids.filter { $0.kind == .uploader }
        #expect(Set(uploaders.map(\.key)) == Set((0..<10).map { "up\($0 * 7)" }))
        #expect(Set(writes.centroids.filter { $0.kind == .category }.map(\.key)) == Set((0..<10).map { "c\($0 * 7 % 50)" }))
        #expect(writes.centroids.filter { $0.kind == .global }.count == 1)
        #expect(writes.centroids.count == 21)
        // Each written uploader group holds its one warm item: its sum is that item's vector now.
        for row in uploaders {
            let vector = model.itemFactors.vector(Int(model.items.row(of: "i" + row.key.dropFirst(2))!))
            #expect(row.count == 1)
            #expect(zip(row.sum, vector).allSatisfy { abs($0 - Double($1)) < 1e-5 }, "\(row.key)")
        }
        // A batch that moves no warm item's vector writes no centroid.
        let quiet = model.apply([])
        #expect(ModelPersistence.centroidRows(model.centroids, model.takeCentroidChanges()).isEmpty && quiet.items.isEmpty)
    }
}
