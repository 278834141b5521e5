"""The lab's network devices over SSH: a FakeNOS fleet serving inventory devices on 127.0.0.1.

`specs` turns inventory devices into device specs booting with their intended config,
`devices` holds one device's facts and live state, `dialects` answers each platform's CLI,
`shell` and `server` plug those into FakeNOS, `fleet` is the process that serves them all,
and `process` starts, watches and stops that process from `dcops lab` and the tests.
"""
