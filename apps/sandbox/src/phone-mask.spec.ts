import { maskPhone } from './phone-mask';

describe('maskPhone', () => {
  it.each([
    ['+15005550006', '+1 ••• ••• ••06'],
    ['+15558675300', '+1 ••• ••• ••00'],
    ['+447700900123', '+44 ••• ••• ••23'],
    ['+33612345678', '+33 ••• ••• •78'],
    ['+4930123', '+49 •••23'],
    ['nonsense', '•••'],
  ])('%s → %s', (input, masked) => {
    expect(maskPhone(input)).toBe(masked);
  });
});
