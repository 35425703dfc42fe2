import { readKeys } from './call-simulator.service';

describe('readKeys (what a Gather submits for the keys pressed)', () => {
  it.each([
    ['#', '#', 0, { digits: '', finishedOnKey: '#' }],
    ['0#', '#', 0, { digits: '0', finishedOnKey: '#' }],
    ['1234#99', '#', 0, { digits: '1234', finishedOnKey: '#' }],
    ['123', '#', 0, { digits: '123', finishedOnKey: '' }],
    ['123456', '#', 4, { digits: '1234', finishedOnKey: '' }],
    ['12#', '', 0, { digits: '12#', finishedOnKey: '' }],
    ['9*', '*', 0, { digits: '9', finishedOnKey: '*' }],
    ['ww12#', '#', 0, { digits: '12', finishedOnKey: '#' }],
  ])('%p (finishOnKey %p, numDigits %p) → %p', (keys, finishOnKey, numDigits, expected) => {
    expect(readKeys(keys, finishOnKey, numDigits)).toEqual(expected);
  });
});
