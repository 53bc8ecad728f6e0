/* A program that never ends: the run stops at its cycle limit. */
int main(void)
{
	for (;;) {
	}
}
