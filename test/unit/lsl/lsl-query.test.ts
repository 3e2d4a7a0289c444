import { describe, expect, it } from 'vitest'
import { compileQuery, createStreamInfo, channelsDesc, createElement, toInfoElement } from '../../../src/station/lsl/protocol'

const info = toInfoElement(
  createStreamInfo({
    name: 'LiveAmp',
    type: 'EEG',
    channelCount: 32,
    channelFormat: 'float32',
    nominalSrateHz: 500,
    sourceId: 'LA-1',
    hostname: 'amp-pc',
    desc: createElement('desc', '', [createElement('manufacturer', 'Brain Products'), channelsDesc([{ label: 'Fp1' }, { label: 'Cz' }])])
  })
)
const matches = (q: string): boolean => compileQuery(q).matches(info)

describe('LSL XPath predicates', () => {
  it('evaluates what labs write in resolve_stream calls', () => {
    expect(matches('')).toBe(true)
    expect(matches("type='EEG' and name='LiveAmp'")).toBe(true)
    expect(matches("type='EEG' and name='Other'")).toBe(false)
    expect(matches("name='Other' or source_id='LA-1'")).toBe(true)
    expect(matches("starts-with(name,'Live') and contains(hostname,'amp')")).toBe(true)
    expect(matches('channel_count>=32 and nominal_srate>256')).toBe(true)
    expect(matches('channel_count>32')).toBe(false)
    expect(matches("not(type='Markers')")).toBe(true)
    expect(matches("desc/manufacturer='Brain Products'")).toBe(true)
    expect(matches("desc/channels/channel/label='Cz'")).toBe(true)
    expect(matches("desc/channels/channel/label='Oz'")).toBe(false)
    expect(matches('count(desc/channels/channel)=2')).toBe(true)
    expect(matches("type!='EEG'")).toBe(false)
    expect(matches('(type="EEG")')).toBe(true)
  })

  it('fails loudly on what it cannot read', () => {
    expect(() => compileQuery("type='EEG' and")).toThrow(/ends too early/)
    expect(() => compileQuery("matches(name,'x')")).toThrow(/unsupported XPath function matches/)
    expect(() => compileQuery("type='EEG' name='x'")).toThrow(/unexpected 'name'/)
    expect(() => compileQuery("type=='EEG'")).toThrow()
  })
})
