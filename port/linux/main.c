/*
 * main.c - the process entry point: hands over to the core at once.
 */
#include "core/app/app.h"

int main(int argc, char **argv)
{
	return app_main(argc, argv);
}
