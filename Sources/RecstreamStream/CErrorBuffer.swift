/// A zeroed buffer that librdkafka functions fill with a NUL-terminated error text.
struct CErrorBuffer {
    var storage = [CChar](repeating: 0, count: 512)

    var text: String { storage.withUnsafeBufferPointer { String(cString: $0.baseAddress!) } }
}
