package faultproxy

import (
	"bufio"
	"net"
	"testing"
	"time"
)

func TestDownCutsAndRefusesThenUpForwards(t *testing.T) {
	echo, _ := net.Listen("tcp", "127.0.0.1:0")
	defer echo.Close()
	go func() {
		for {
			c, err := echo.Accept()
			if err != nil {
				return
			}
			go func() { b := bufio.NewReader(c); l, _ := b.ReadString('\n'); c.Write([]byte(l)) }()
		}
	}()
	p, err := Start(echo.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	roundTrip := func() error {
		c, err := net.DialTimeout("tcp", p.Addr, time.Second)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(time.Second))
		c.Write([]byte("hi\n"))
		_, err = bufio.NewReader(c).ReadString('\n')
		return err
	}
	if err := roundTrip(); err != nil {
		t.Fatalf("up: %v", err)
	}
	open, _ := net.Dial("tcp", p.Addr)
	time.Sleep(50 * time.Millisecond)
	p.Down()
	if err := roundTrip(); err == nil {
		t.Fatal("down: a new connection went through")
	}
	open.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := open.Read(make([]byte, 1)); err == nil {
		t.Fatal("down: an open connection was not cut")
	}
	p.Up()
	if err := roundTrip(); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
