/* a core source in a subfolder */
int fake_extra(int value)
{
  return value * 2;
}
