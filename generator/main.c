/*
 * main.c: options → load → validate → render → write; exit status.
 */
#include "plansite.h"

int main(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return 0;
}
