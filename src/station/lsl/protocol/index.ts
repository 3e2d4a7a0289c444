/**
 * Lab Streaming Layer wire protocol (data protocol 1.10), standalone: nothing here imports the
 * rest of the station, so it can be tested and reused alone. See docs/lsl.md.
 */
export * from './stream-info'
export * from './sample-codec'
export * from './query'
export * from './lsl-network'
export * from './outlet'
export * from './inlet'
export * from './resolver'
export { parseXml, serializeDocument, createElement, type XmlElement } from './xml'
