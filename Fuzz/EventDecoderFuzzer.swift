// libFuzzer target over the event decoder (built and run by ops/fuzz).
// Any input is fed to both decoders. Whatever they accept must be storable:
// no U+0000, ids within their bound, a bounded weight. Encoding an accepted
// event and decoding it again must give it back. A violation stops the
// fuzzer with the input that caused it.
import Foundation
import RecstreamEvents

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventDecoder(_ bytes: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let data = Data(bytes: bytes, count: count)
    let limits = EventLimits()
    func storable(_ text: String, maxBytes: Int) -> Bool {
        !text.isEmpty && text.utf8.count <= maxBytes && !text.utf8.contains(0)
    }
    if let event = try? EngagementEvent(json: data) {
        for id in [event.eventID, event.userID, event.itemID] where !storable(id, maxBytes: limits.maxIDBytes) {
            fatalError("accepted an id PostgreSQL cannot store: \(Array(id.utf8.prefix(64)))")
        }
        if let weight = event.weight, !(weight > 0 && Double(weight) <= EventLimits.maxWeight) {
            fatalError("accepted weight \(weight)")
        }
        guard (try? EngagementEvent(json: event.json())) == event else { fatalError("an engagement event does not survive its JSON") }
    }
    if let event = try? CatalogEvent(json: data) {
        let ids = [event.itemID] + event.categories + (event.uploaderID.map { [$0] } ?? [])
        for id in ids where !storable(id, maxBytes: limits.maxIDBytes) {
            fatalError("accepted an id PostgreSQL cannot store: \(Array(id.utf8.prefix(64)))")
        }
        if event.categories.count > limits.maxCategories { fatalError("accepted \(event.categories.count) categories") }
        if let title = event.title, !storable(title, maxBytes: limits.maxTitleBytes) { fatalError("accepted a title it cannot store") }
        guard (try? CatalogEvent(json: event.json())) == event else { fatalError("a catalog event does not survive its JSON") }
    }
    return 0
}
